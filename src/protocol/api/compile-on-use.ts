// A row's request checks (the lenient one, and the strict one a translation needs), compiled the
// first time they are needed: a start compiles only the schemas of the APIs it is asked, not all
// five (about 3 ms of a cold start).
import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";

export function compiledOnUse<T extends TSchema>(schema: T): () => TypeCheck<T> {
  let compiled: TypeCheck<T> | undefined;
  return () => {
    compiled ??= TypeCompiler.Compile(schema);
    return compiled;
  };
}
