// @graphql-codegen/cli (`npx graphql-codegen`, run by `make generate`): typed
// documents for operations.graphql against the server's schema, with the
// client preset. Time is an RFC 3339 string on the wire.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema/*.graphqls",
  documents: ["operations.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "gql/": {
      preset: "client",
      config: {
        scalars: { Time: "string" },
        useTypeImports: true,
      },
    },
  },
};

export default config;
