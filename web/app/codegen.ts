// @graphql-codegen/cli (`npm run codegen`, run by `make web`): a typed
// document for each operation of src/operations.graphql against the server's
// schema, with the client preset, into src/gql/ (committed, like clients/gql).
// Time is an RFC 3339 string on the wire; fragments are not masked (the app
// reads the fields of its fragments directly).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/*.graphqls",
  documents: ["src/operations.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { Time: "string" },
        useTypeImports: true,
      },
    },
  },
};

export default config;
