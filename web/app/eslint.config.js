// ESLint (flat config) for the web app, run by `make lint-web` (part of
// `make lint`): typescript-eslint's type-checked rules on src/, the plain
// recommended ones on the Node scripts, and nothing that Prettier decides
// (eslint-config-prettier). The generated documents (src/gql/) are not linted.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["node_modules/", "src/gql/", "test/screenshots/"]),
  js.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: true }],
      eqeqeq: ["error", "always"],
    },
  },
  {
    // A module only declares: handlers are registered and work is started by
    // a start function that main.tsx calls, never as a side effect of an import.
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/main.tsx"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "Program > ExpressionStatement",
          message: "No work at import time: do it in a start function that main.tsx calls.",
        },
      ],
    },
  },
  {
    files: ["*.{js,mjs,ts}", "test/**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["codegen.ts"],
    extends: [tseslint.configs.recommended],
  },
  {
    // The browser test's callbacks run in the page.
    files: ["test/app.test.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  prettier,
);
