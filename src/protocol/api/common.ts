// Pieces the protocol rows share.
import { Type } from "@sinclair/typebox";

/** Every generating request names a model and may ask for a stream. */
export const COMMON_FIELDS = {
  model: Type.String({ minLength: 1 }),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
};

// Fields that never change the answer. Each one, with why.
export const TRANSPORT_AND_IDENTITY = [
  "model", // replaced by the resolved route (cache/key.ts)
  "stream", // a stream and a final object replay from the same entry
  "stream_options", // only include_usage: replay adds or drops the usage chunk per request
  "user", // end-user id for abuse tracking; per-user, not per-answer
  "safety_identifier", // the newer name of `user`
  "metadata", // caller's tags, echoed back, never seen by the model
  "store", // whether the upstream keeps the answer, not what it is
  "service_tier", // latency/price class of the same model
  "request_id", // per-request id some clients add
] as const;
