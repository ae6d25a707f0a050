# Built by tools/native/build-native.js with npm's bundled node-gyp, offline (Node's headers come from nodedir).
# The kernels are compiled once per instruction set; the addon picks one at run time from cpuid.
{
  "target_defaults": {
    "cflags_cc": ["-O3", "-std=c++17", "-fPIC", "-fno-math-errno", "-ffp-contract=off"],
    "cflags_cc!": ["-fno-exceptions"],
    "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]}
  },
  "targets": [
    {
      "target_name": "rlhf_native",
      "sources": ["src/addon.cc", "src/ops.cc", "src/pool.cc", "src/selftest.cc", "src/isa_generic.cc"],
      "conditions": [
        ["target_arch=='x64'", {"dependencies": ["rlhf_isa_avx2", "rlhf_isa_avx512"]}]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "rlhf_isa_avx2",
          "type": "static_library",
          "sources": ["src/isa_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"]}
        },
        {
          "target_name": "rlhf_isa_avx512",
          "type": "static_library",
          "sources": ["src/isa_avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mavx512vl", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512vl", "-mfma"]}
        }
      ]
    }]
  ]
}
