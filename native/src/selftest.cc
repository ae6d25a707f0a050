// Self-test of one ISA copy against straightforward reference loops (double precision). Compiled for the
// baseline CPU: it only calls the copy through its table, so it can test every copy the CPU supports.
#include "selftest.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace {

/** Seeded uniform floats (xorshift64*), the same on every platform. */
class Rand {
 public:
  explicit Rand(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float uniform(float lo, float hi) {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    const uint64_t r = s_ * 0x2545F4914F6CDD1Dull;
    return lo + (hi - lo) * (float)((r >> 40) * (1.0 / 16777216.0));
  }
  std::vector<float> vec(long n, float lo, float hi) {
    std::vector<float> v(n);
    for (auto& x : v) x = uniform(lo, hi);
    return v;
  }

 private:
  uint64_t s_;
};

class Checker {
 public:
  explicit Checker(SelftestResult& r) : r_(r) {}

  /** got[i] within atol + rtol·|want[i]| of want[i] for i < n; infinities and NaN must match exactly. */
  void close(const std::string& what, const float* got, const double* want, long n, double atol, double rtol) {
    r_.checks++;
    double worst = 0;
    long at = -1;
    for (long i = 0; i < n; i++) {
      const double g = got[i], w = want[i];
      bool bad;
      double err = 0;
      if (std::isnan(w) || std::isinf(w) || std::isinf((float)w)) {
        bad = !(std::isnan(w) ? std::isnan(g) : g == (double)(float)w);
        err = bad ? INFINITY : 0;
      } else {
        err = std::fabs(g - w);
        bad = !(err <= atol + rtol * std::fabs(w));  // NaN in got fails
      }
      if (bad && (at < 0 || err > worst || std::isnan(err))) {
        worst = err;
        at = i;
      }
    }
    if (at >= 0) {
      char buf[256];
      std::snprintf(buf, sizeof buf, ": element %ld is %.9g, reference %.9g (tolerance %.3g + %.3g relative)", at,
                    (double)got[at], want[at], atol, rtol);
      r_.failures.push_back(what + buf);
    }
  }

  /** Per-element tolerances (GEMM: proportional to Σ|a·b| of each output). */
  void close_each(const std::string& what, const float* got, const double* want, const double* tol, long n) {
    r_.checks++;
    for (long i = 0; i < n; i++) {
      if (!(std::fabs((double)got[i] - want[i]) <= tol[i])) {
        char buf[256];
        std::snprintf(buf, sizeof buf, ": element %ld is %.9g, reference %.9g (tolerance %.3g)", i, (double)got[i],
                      want[i], tol[i]);
        r_.failures.push_back(what + buf);
        return;
      }
    }
  }

  void truth(const std::string& what, bool ok) {
    r_.checks++;
    if (!ok) r_.failures.push_back(what);
  }

 private:
  SelftestResult& r_;
};

std::string fmt(const char* f, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b, c, d, e);
  return buf;
}

const float kSentinel = 1234.5f;

// ---- GEMM ----

/** Element strides of an r × c operand: 0 row-major, 1 column-major (transposed), 2 neither contiguous. */
void layout_strides(int layout, long r, long c, long& rs, long& cs) {
  if (layout == 0) { rs = c; cs = 1; }
  else if (layout == 1) { rs = 1; cs = r; }
  else { rs = 2 * c; cs = 2; }
}

void test_gemm(const IsaTable& t, Checker& ck, Rand& rng, bool direct, int m, int n, int k, int la, int lb, bool bias,
               bool accumulate, int blocks) {
  long a_rs, a_cs, b_rs, b_cs;
  layout_strides(la, m, k, a_rs, a_cs);
  layout_strides(lb, k, n, b_rs, b_cs);
  const long a_len = (m - 1) * a_rs + (k - 1) * a_cs + 1, b_len = (k - 1) * b_rs + (n - 1) * b_cs + 1;
  std::vector<float> a = rng.vec(k > 0 ? a_len : 1, -1, 1), b = rng.vec(k > 0 ? b_len : 1, -1, 1);
  std::vector<float> bv = rng.vec(n, -1, 1);
  const long ldc = n + 3;  // the gaps between rows must stay untouched
  std::vector<float> c(m * ldc, kSentinel);
  std::vector<float> c0 = rng.vec(m * ldc, -1, 1);
  for (long i = 0; i < m; i++)
    for (long j = 0; j < n; j++) c[i * ldc + j] = accumulate ? c0[i * ldc + j] : NAN;
  GemmArgs g{a.data(), a_rs, a_cs, b.data(), b_rs, b_cs, c.data(), ldc, bias ? bv.data() : nullptr, m, n, k, accumulate};
  std::vector<float> work(t.gemm_work_floats(n, k) + 16);
  if (direct) {
    t.gemm_direct(g, work.data());
  } else {
    // blocks × blocks tiles, as the thread pool cuts a product.
    for (int bi = 0; bi < blocks; bi++)
      for (int bj = 0; bj < blocks; bj++) {
        const int i0 = m * bi / blocks, i1 = m * (bi + 1) / blocks, j0 = n * bj / blocks, j1 = n * (bj + 1) / blocks;
        std::vector<float> w(t.gemm_work_floats(j1 - j0, k) + 16);
        t.gemm_block(g, i0, i1, j0, j1, w.data());
      }
  }
  std::vector<float> got;
  std::vector<double> want, tol;
  bool gaps_ok = true;
  for (long i = 0; i < m; i++) {
    for (long j = 0; j < n; j++) {
      double s = 0, abs = 0;
      for (long kk = 0; kk < k; kk++) {
        const double p = (double)a[i * a_rs + kk * a_cs] * b[kk * b_rs + j * b_cs];
        s += p;
        abs += std::fabs(p);
      }
      const double base = accumulate ? c0[i * ldc + j] : bias ? bv[j] : 0.0;
      got.push_back(c[i * ldc + j]);
      want.push_back(base + s);
      tol.push_back(1e-5 * (abs + std::fabs(base)) + 1e-6);
    }
    for (long j = n; j < ldc; j++) gaps_ok = gaps_ok && c[i * ldc + j] == kSentinel;
  }
  const std::string what = fmt(direct ? "gemm_direct m=%ld n=%ld k=%ld" : "gemm_block m=%ld n=%ld k=%ld", m, n, k) +
                           fmt(" layout A %ld B %ld", la, lb) + (bias ? " +bias" : "") +
                           (accumulate ? " accumulate" : "") + (direct ? "" : fmt(" %ldx%ld blocks", blocks, blocks));
  ck.close_each(what, got.data(), want.data(), tol.data(), (long)got.size());
  ck.truth(what + ": wrote outside C", gaps_ok);
}

void test_gemms(const IsaTable& t, Checker& ck, Rand& rng) {
  const int mr = t.gemm_mr(), nr = t.gemm_nr();
  ck.truth("gemm_mr/gemm_nr: positive, nr a multiple of 4", mr > 0 && nr > 0 && nr % 4 == 0);
  // Shapes around the micro-tile (mr, nr), the few-rows path (m ≤ 2·mr), the depth block (256) and the
  // whole-B packing (k > 256).
  const int shapes[][3] = {{1, 1, 1},          {1, nr, 7},         {2, nr + 1, 16},    {3, 2 * nr - 1, 33},
                           {mr, nr, 64},       {mr + 1, 5, 9},     {2 * mr, 3 * nr + 3, 40}, {2 * mr + 1, nr, 17},
                           {3 * mr + 2, 2 * nr + 5, 70}, {40, 37, 300}, {150, 20, 257}, {5, 9, 0}};
  for (auto& s : shapes)
    for (int la = 0; la < 3; la++)
      for (int lb = 0; lb < 3; lb++) {
        const bool bias = (la + lb) % 2 == 0, acc = la == 2 && lb == 1;
        test_gemm(t, ck, rng, false, s[0], s[1], s[2], la, lb, bias, acc, 1);
        if (s[0] <= 24) test_gemm(t, ck, rng, true, s[0], s[1], s[2], la, lb, !bias, acc, 1);
      }
  test_gemm(t, ck, rng, false, 3 * mr + 2, 2 * nr + 5, 70, 0, 0, true, false, 2);
  test_gemm(t, ck, rng, false, 40, 37, 300, 1, 1, false, true, 3);
  test_gemm(t, ck, rng, false, 2 * mr + 3, 3 * nr, 5, 0, 1, false, false, 2);
}

// ---- Elementwise ----

std::vector<float> with_specials(Rand& rng, long n, float lo, float hi, std::vector<float> specials) {
  std::vector<float> x = rng.vec(n, lo, hi);
  for (size_t i = 0; i < specials.size() && (long)i < n; i++) x[i * 3 % n] = specials[i];
  return x;
}

double gelu_ref(double x) {
  const double c = 0.7978845608028654;
  return 0.5 * x * (1 + std::tanh(c * (x + 0.044715 * x * x * x)));
}

double gelu_grad_ref(double x) {
  const double c = 0.7978845608028654, th = std::tanh(c * (x + 0.044715 * x * x * x));
  return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * c * (1 + 3 * 0.044715 * x * x);
}

void test_elementwise(const IsaTable& t, Checker& ck, Rand& rng) {
  for (long n : {1L, 3L, 8L, 16L, 17L, 67L, 200L}) {
    const std::string sz = fmt(" n=%ld", n);
    std::vector<float> y(n + 1, kSentinel);
    std::vector<double> want(n);
    auto x = with_specials(rng, n, -100, 88,
                           {0.f, -0.f, 1.f, 88.5f, -87.3f, -103.9f, -150.f, 200.f, INFINITY, -INFINITY, NAN, 1e-7f});
    t.exp_f32(x.data(), y.data(), n);
    for (long i = 0; i < n; i++) want[i] = std::exp((double)x[i]);
    ck.close("exp_f32" + sz, y.data(), want.data(), n, 1e-44, 2e-6);
    ck.truth("exp_f32" + sz + ": wrote past the end", y[n] == kSentinel);

    x = with_specials(rng, n, -6, 6, {0.f, 0.3999f, 0.4f, -0.4001f, 1e-8f, 20.f, -20.f, INFINITY, -INFINITY, NAN});
    t.tanh_f32(x.data(), y.data(), n);
    for (long i = 0; i < n; i++) want[i] = std::tanh((double)x[i]);
    ck.close("tanh_f32" + sz, y.data(), want.data(), n, 3e-7, 2e-6);

    x = with_specials(rng, n, -6, 6, {0.f, 10.f, -10.f, 0.4f});
    t.gelu_f32(x.data(), y.data(), n);
    for (long i = 0; i < n; i++) want[i] = gelu_ref(x[i]);
    ck.close("gelu_f32" + sz, y.data(), want.data(), n, 1e-6, 1e-5);
    ck.truth("gelu_f32" + sz + ": wrote past the end", y[n] == kSentinel);

    auto dy = rng.vec(n, -2, 2);
    t.gelu_grad_f32(x.data(), dy.data(), y.data(), n);
    for (long i = 0; i < n; i++) want[i] = dy[i] * gelu_grad_ref(x[i]);
    ck.close("gelu_grad_f32" + sz, y.data(), want.data(), n, 2e-6, 1e-5);
    ck.truth("gelu_grad_f32" + sz + ": wrote past the end", y[n] == kSentinel);

    auto a = rng.vec(n, -3, 3);
    t.add_f32(a.data(), dy.data(), y.data(), n);
    for (long i = 0; i < n; i++) want[i] = (float)(a[i] + dy[i]);
    ck.close("add_f32" + sz, y.data(), want.data(), n, 0, 0);
    ck.truth("add_f32" + sz + ": wrote past the end", y[n] == kSentinel);
  }
}

// ---- Reductions ----

void test_sums(const IsaTable& t, Checker& ck, Rand& rng) {
  for (long len : {1L, 5L, 16L, 67L, 200L}) {
    const long rows = 3;
    auto x = rng.vec(rows * len, -1, 1);
    std::vector<float> out(rows + 1, kSentinel);
    std::vector<double> want(rows);
    t.sum_rows(x.data(), out.data(), rows, len);
    for (long r = 0; r < rows; r++) {
      want[r] = 0;
      for (long i = 0; i < len; i++) want[r] += x[r * len + i];
    }
    ck.close(fmt("sum_rows rows=%ld len=%ld", rows, len), out.data(), want.data(), rows, 2e-6 * len, 0);
    ck.truth(fmt("sum_rows rows=%ld len=%ld: wrote past the end", rows, len), out[rows] == kSentinel);
  }
  for (long cols : {1L, 7L, 40L, 70L}) {
    for (bool acc : {false, true}) {
      const long rows = 5, stride = cols + 5;
      auto x = rng.vec(rows * stride, -1, 1);
      auto out = rng.vec(cols + 1, -1, 1);
      out[cols] = kSentinel;
      std::vector<double> want(cols);
      for (long c = 0; c < cols; c++) {
        want[c] = acc ? out[c] : 0.0;
        for (long r = 0; r < rows; r++) want[c] += x[r * stride + c];
      }
      t.sum_cols(x.data(), out.data(), rows, cols, stride, acc);
      const std::string what = fmt("sum_cols rows=%ld cols=%ld stride=%ld", rows, cols, stride) + (acc ? " accumulate" : "");
      ck.close(what, out.data(), want.data(), cols, 1e-5, 0);
      ck.truth(what + ": wrote past the end", out[cols] == kSentinel);
    }
  }
}

// ---- Layer norm ----

void test_layernorm(const IsaTable& t, Checker& ck, Rand& rng) {
  const float eps = 1e-5f;
  for (long d : {1L, 5L, 16L, 37L, 128L}) {
    const long rows = 3;
    auto x = rng.vec(rows * d, -2, 3), g = rng.vec(d, 0.5f, 1.5f), b = rng.vec(d, -1, 1), dy = rng.vec(rows * d, -1, 1);
    std::vector<float> y(rows * d), dx(rows * d);
    auto dg = rng.vec(d, -1, 1), db = rng.vec(d, -1, 1);
    std::vector<double> wy(rows * d), wdx(rows * d), wdg(dg.begin(), dg.end()), wdb(db.begin(), db.end());
    for (long r = 0; r < rows; r++) {
      const float* xr = &x[r * d];
      double mean = 0, var = 0;
      for (long i = 0; i < d; i++) mean += xr[i];
      mean /= d;
      for (long i = 0; i < d; i++) var += (xr[i] - mean) * (xr[i] - mean);
      var /= d;
      const double rstd = 1 / std::sqrt(var + eps);
      double m1 = 0, m2 = 0;
      for (long i = 0; i < d; i++) {
        const double xh = (xr[i] - mean) * rstd, gy = (double)dy[r * d + i] * g[i];
        wy[r * d + i] = xh * g[i] + b[i];
        m1 += gy / d;
        m2 += gy * xh / d;
        wdg[i] += dy[r * d + i] * xh;
        wdb[i] += dy[r * d + i];
      }
      for (long i = 0; i < d; i++) {
        const double xh = (xr[i] - mean) * rstd;
        wdx[r * d + i] = rstd * ((double)dy[r * d + i] * g[i] - m1 - xh * m2);
      }
    }
    const std::string sz = fmt(" rows=%ld d=%ld", rows, d);
    t.layernorm_rows(x.data(), g.data(), b.data(), y.data(), rows, d, eps);
    ck.close("layernorm_rows" + sz, y.data(), wy.data(), rows * d, 1e-5, 1e-5);
    t.layernorm_grad_rows(x.data(), g.data(), dy.data(), dx.data(), dg.data(), db.data(), rows, d, eps);
    ck.close("layernorm_grad_rows dx" + sz, dx.data(), wdx.data(), rows * d, 2e-5, 1e-4);
    ck.close("layernorm_grad_rows dg" + sz, dg.data(), wdg.data(), d, 1e-5, 1e-5);
    ck.close("layernorm_grad_rows db" + sz, db.data(), wdb.data(), d, 1e-5, 1e-5);
  }
}

// ---- Softmax family ----

/** log Σ exp(x[i]·s) over a row, in double. */
double lse_ref(const float* x, long n, double s) {
  double m = -INFINITY, sum = 0;
  for (long i = 0; i < n; i++) m = x[i] * s > m ? x[i] * s : m;  // (std::fmax here crashes GCC 12 for ARM64)
  for (long i = 0; i < n; i++) sum += std::exp(x[i] * s - m);
  return m + std::log(sum);
}

void test_rows(const IsaTable& t, Checker& ck, Rand& rng) {
  for (long V : {1L, 5L, 16L, 33L, 100L}) {
    const long rows = 4;
    auto x = rng.vec(rows * V, -5, 5);
    for (long i = 0; i < V; i++) x[3 * V + i] += 60.f;  // large logits: the max must be subtracted
    std::vector<int32_t> tg = {0, (int32_t)(V - 1), -1, (int32_t)V};  // the last two are out of range
    if (V > 2) tg[0] = (int32_t)(V / 2);
    const std::string sz = fmt(" rows=%ld V=%ld", rows, V);
    std::vector<float> loss(rows), lse(rows), lsef(rows);
    std::vector<double> wloss(rows), wlse(rows);
    for (long r = 0; r < rows; r++) {
      wlse[r] = lse_ref(&x[r * V], V, 1);
      lsef[r] = (float)wlse[r];
      wloss[r] = wlse[r] - (tg[r] >= 0 && tg[r] < V ? x[r * V + tg[r]] : 0.f);
    }
    t.xent_rows(x.data(), tg.data(), loss.data(), lse.data(), rows, V);
    ck.close("xent_rows lse" + sz, lse.data(), wlse.data(), rows, 1e-5, 1e-6);
    ck.close("xent_rows loss" + sz, loss.data(), wloss.data(), rows, 2e-5, 1e-6);

    auto dloss = rng.vec(rows, -2, 2);
    std::vector<float> dx(rows * V);
    std::vector<double> wdx(rows * V);
    for (long r = 0; r < rows; r++)
      for (long i = 0; i < V; i++)
        wdx[r * V + i] = (std::exp((double)x[r * V + i] - lsef[r]) - (i == tg[r] ? 1 : 0)) * dloss[r];
    t.xent_grad_rows(x.data(), tg.data(), lsef.data(), dloss.data(), dx.data(), rows, V);
    ck.close("xent_grad_rows" + sz, dx.data(), wdx.data(), rows * V, 1e-6, 1e-5);

    for (float T : {1.f, 0.7f}) {
      const std::string szt = sz + fmt(" T=%ld/10", (long)std::lround(T * 10));
      std::vector<float> lp(rows), tl(rows), tlf(rows);
      std::vector<double> wlp(rows), wtl(rows);
      for (long r = 0; r < rows; r++) {
        std::vector<float> xs(V);
        for (long i = 0; i < V; i++) xs[i] = x[r * V + i] / T;  // the kernel divides in float32
        wtl[r] = lse_ref(xs.data(), V, 1);
        tlf[r] = (float)wtl[r];
        wlp[r] = tg[r] >= 0 && tg[r] < V ? xs[tg[r]] - wtl[r] : 0.0;
      }
      t.token_logprob_rows(x.data(), tg.data(), lp.data(), tl.data(), rows, V, T);
      ck.close("token_logprob_rows lse" + szt, tl.data(), wtl.data(), rows, 1e-5, 1e-6);
      ck.close("token_logprob_rows lp" + szt, lp.data(), wlp.data(), rows, 2e-5, 1e-6);
      auto dlp = rng.vec(rows, -2, 2);
      for (long r = 0; r < rows; r++)
        for (long i = 0; i < V; i++) {
          const bool in = tg[r] >= 0 && tg[r] < V;
          const double p = std::exp((double)(x[r * V + i] / T) - tlf[r]);
          wdx[r * V + i] = in ? ((i == tg[r] ? 1 : 0) - p) * dlp[r] / T : 0.0;
        }
      t.token_logprob_grad_rows(x.data(), tg.data(), tlf.data(), dlp.data(), dx.data(), rows, V, T);
      ck.close("token_logprob_grad_rows" + szt, dx.data(), wdx.data(), rows * V, 2e-6, 1e-5);
    }

    std::vector<float> y(rows * V);
    std::vector<double> wy(rows * V);
    for (long r = 0; r < rows; r++)
      for (long i = 0; i < V; i++) wy[r * V + i] = x[r * V + i] - wlse[r];
    t.logsoftmax_rows(x.data(), y.data(), rows, V);
    ck.close("logsoftmax_rows" + sz, y.data(), wy.data(), rows * V, 2e-5, 1e-6);
    auto dy = rng.vec(rows * V, -1, 1);
    for (long r = 0; r < rows; r++) {
      double s = 0;
      for (long i = 0; i < V; i++) s += dy[r * V + i];
      for (long i = 0; i < V; i++) wdx[r * V + i] = dy[r * V + i] - std::exp((double)y[r * V + i]) * s;
    }
    t.logsoftmax_grad_rows(y.data(), dy.data(), dx.data(), rows, V);
    ck.close("logsoftmax_grad_rows" + sz, dx.data(), wdx.data(), rows * V, 2e-6, 1e-5);
  }
}

void test_softmax(const IsaTable& t, Checker& ck, Rand& rng) {
  for (long len : {1L, 7L, 16L, 35L}) {
    for (int variant = 0; variant < 4; variant++) {
      const long rows = 4, bias_rs = len + 2;
      const bool bias = variant % 2 == 1;
      const long causal = variant < 2 ? -1 : variant == 2 ? 0 : 2;
      const float scale = 0.35f;
      auto s = rng.vec(rows * len, -8, 8), bv = rng.vec(rows * bias_rs, -3, 3);
      std::vector<double> want(rows * len);
      for (long r = 0; r < rows; r++) {
        const long valid = causal >= 0 ? std::min(len, r + causal + 1) : len;
        double m = -INFINITY, sum = 0;
        std::vector<double> z(len);
        for (long j = 0; j < valid; j++) {
          z[j] = (double)(s[r * len + j] * scale) + (bias ? bv[r * bias_rs + j] : 0.f);
          m = z[j] > m ? z[j] : m;
        }
        for (long j = 0; j < valid; j++) sum += std::exp(z[j] - m);
        for (long j = 0; j < len; j++) want[r * len + j] = j < valid ? std::exp(z[j] - m) / sum : 0.0;
      }
      const std::string what = fmt("softmax_rows rows=%ld len=%ld causal=%ld", rows, len, causal) + (bias ? " +bias" : "");
      t.softmax_rows(s.data(), rows, len, scale, bias ? bv.data() : nullptr, bias_rs, causal);
      ck.close(what, s.data(), want.data(), rows * len, 1e-6, 1e-5);
    }
    const long rows = 3, stride = len + 4;
    auto p = rng.vec(rows * stride, 0, 1), dp = rng.vec(rows * stride, -1, 1);
    std::vector<float> got;
    std::vector<double> want;
    for (long r = 0; r < rows; r++) {
      double dot = 0;
      for (long j = 0; j < len; j++) dot += (double)p[r * stride + j] * dp[r * stride + j];
      for (long j = 0; j < stride; j++)
        want.push_back(j < len ? 0.5 * p[r * stride + j] * (dp[r * stride + j] - dot) : dp[r * stride + j]);
    }
    t.softmax_grad_rows(p.data(), dp.data(), rows, len, stride, 0.5f);
    ck.close(fmt("softmax_grad_rows rows=%ld len=%ld stride=%ld", rows, len, stride), dp.data(), want.data(),
             rows * stride, 2e-6, 1e-5);
  }
}

// ---- Adam ----

void test_adam(const IsaTable& t, Checker& ck, Rand& rng) {
  for (long n : {1L, 5L, 16L, 37L}) {
    for (int form = 0; form < 2; form++) {
      for (float wd : {0.f, 0.01f}) {
        const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, step = 3;
        const double c1 = 1 - std::pow(b1, step), c2 = 1 - std::pow(b2, step);
        const float hyper[11] = {(float)lr, (float)b1, (float)(1 - b1), (float)b2, (float)(1 - b2), (float)eps,
                                 (float)c1, (float)c2, (float)(lr * wd), (float)form, (float)(std::sqrt(c2) / c1)};
        auto p = rng.vec(n, -1, 1), m = rng.vec(n, -0.1f, 0.1f), v = rng.vec(n, 0, 0.01f), g = rng.vec(n, -1, 1);
        std::vector<float> po(n), mo(n), vo(n);
        std::vector<double> wp(n), wm(n), wv(n);
        for (long i = 0; i < n; i++) {
          wm[i] = m[i] * b1 + g[i] * (1 - b1);
          wv[i] = v[i] * b2 + (double)g[i] * g[i] * (1 - b2);
          const double upd = form == 0 ? (wm[i] / c1) / (std::sqrt(wv[i] / c2) + eps)
                                       : wm[i] / (std::sqrt(wv[i]) + eps) * (std::sqrt(c2) / c1);
          wp[i] = p[i] - upd * lr - p[i] * lr * wd;
        }
        t.adam_f32(p.data(), m.data(), v.data(), g.data(), po.data(), mo.data(), vo.data(), n, hyper);
        const std::string what = fmt("adam_f32 n=%ld form=%ld", n, form) + (wd != 0 ? " +weight decay" : "");
        ck.close(what + " p", po.data(), wp.data(), n, 3e-7, 1e-6);
        ck.close(what + " m", mo.data(), wm.data(), n, 1e-8, 1e-6);
        ck.close(what + " v", vo.data(), wv.data(), n, 1e-10, 1e-6);
      }
    }
  }
}

}  // namespace

SelftestResult isa_selftest(const IsaTable& t) {
  SelftestResult r;
  Checker ck(r);
  Rand rng(20240607);
  test_gemms(t, ck, rng);
  test_elementwise(t, ck, rng);
  test_sums(t, ck, rng);
  test_layernorm(t, ck, rng);
  test_rows(t, ck, rng);
  test_softmax(t, ck, rng);
  test_adam(t, ck, rng);
  for (auto& f : r.failures) f = std::string(t.name) + " " + f;
  return r;
}
