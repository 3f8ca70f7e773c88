// Lints the shim's modules (www/shim/), their tests, the visitor wasm's own JS (visitor-wasm/js/, bundled
// into its glue), and the tools' configs. `cargo xtask test` runs it from the workspace root,
// `eslint --config tools/eslint.config.js --max-warnings=0 www/shim visitor-wasm/js tools`: it lives here,
// beside the node_modules it imports from, and the root is the base its file patterns are relative to.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    rules: {
      "no-shadow": "error",
      "no-empty": ["error", { allowEmptyCatch: false }],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "smart"],
    },
  },
  { files: ["www/shim/**/*.js", "visitor-wasm/js/**/*.js"], languageOptions: { globals: globals.browser } },
  { files: ["www/shim/tests/**/*.js"], languageOptions: { globals: { ...globals.browser, ...globals.vitest } } },
  { files: ["tools/*.config.js"], languageOptions: { globals: globals.node } },
];
