/** Types of tools/notebook/kernelspec.js (plain JavaScript because it runs during npm install). */
export declare const repoRoot: string;
export declare const kernelName: string;
export declare const projectJupyterPath: string;
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: string;
  metadata: Record<string, unknown>;
}
export declare function kernelSpec(): KernelSpec;
export declare function writeKernelSpec(kernelsDir: string): string;
