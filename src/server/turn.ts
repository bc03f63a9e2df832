// One conversation turn (protocols whose row says `conversations`), as stages/conversation.ts makes it.
import type { ResponseObject, ResponsesRequest } from "../protocol/responses.ts";
import type { RequestTranslation } from "../protocol/translate/request.ts";

export interface Turn {
  req: ResponsesRequest;
  namespace: string;
  /** The whole conversation as input items: stored history, then this turn's input. */
  conversation: unknown[];
  /** The history came from our store. */
  expanded: boolean;
  store: boolean;
  responseId: string;
  /** Translations by "accepts reasoning_effort": the rest of the chat request is the same for every target. */
  translations: Map<boolean, RequestTranslation>;
  keep(r: ResponseObject): void;
}
