// A row's request check, compiled the first time a request of its API comes: a start then
// compiles only the schemas of the APIs it is asked, not all five (about 3 ms of a cold start).
import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";

export function compiledOnUse<T extends TSchema>(schema: T): () => TypeCheck<T> {
  let compiled: TypeCheck<T> | undefined;
  return () => {
    compiled ??= TypeCompiler.Compile(schema);
    return compiled;
  };
}
