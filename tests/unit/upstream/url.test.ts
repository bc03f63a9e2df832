import { expect, test } from "bun:test";
import { displayUrl, redactUrls } from "../../../src/upstream/url.ts";

test("displayUrl drops userinfo and keeps the rest as written", () => {
  expect(displayUrl("http://user:s3cret@127.0.0.1:8000/v1")).toBe("http://127.0.0.1:8000/v1");
  expect(displayUrl("https://s3cret@api.example.com/v1")).toBe("https://api.example.com/v1");
  expect(displayUrl("http://user:@host")).toBe("http://host");
  expect(displayUrl("http://user:p%40ss@host/v1")).toBe("http://host/v1");
  // A password with a raw "@": everything up to the last "@" of the authority goes.
  expect(displayUrl("http://user:p@ss@host/v1")).toBe("http://host/v1");
  // An "@" in the path is not userinfo.
  expect(displayUrl("http://host/v1/@scope")).toBe("http://host/v1/@scope");
  expect(displayUrl("http://[::1]:11434/v1")).toBe("http://[::1]:11434/v1");
});

test("displayUrl leaves a URL without credentials untouched (no normalising)", () => {
  for (const u of ["http://127.0.0.1:11434/v1", "https://api.openai.com/v1", "http://HOST:80", "http://host/v1?api-version=2024-10-01"]) {
    expect(displayUrl(u)).toBe(u);
  }
});

test("displayUrl hides secret-looking query values", () => {
  expect(displayUrl("https://host/v1?api_key=s3cret")).toBe("https://host/v1?api_key=[redacted]");
  expect(displayUrl("https://host/v1?api-version=1&key=s3cret&token=t0k#frag")).toBe(
    "https://host/v1?api-version=1&key=[redacted]&token=[redacted]#frag",
  );
  expect(displayUrl("https://host/v1?access_token=a&apiKey=b&X-Amz-Signature=c&password=d&client_secret=e")).toBe(
    "https://host/v1?access_token=[redacted]&apiKey=[redacted]&X-Amz-Signature=[redacted]&password=[redacted]&client_secret=[redacted]",
  );
  expect(displayUrl("http://u:p@host/v1?api_key=s3cret")).toBe("http://host/v1?api_key=[redacted]");
});

test("a URL that does not parse is still stripped of what may be a password", () => {
  // An unencoded "/" in the password: not a valid URL, but the secret must not show.
  expect(displayUrl("http://user:pa/ss@host/v1")).toBe("http://host/v1");
  expect(displayUrl("not a url")).toBe("not a url");
  expect(displayUrl("")).toBe("");
});

test("redactUrls cleans every URL inside a text", () => {
  expect(redactUrls("Upstream `a` (http://u:s3cret@127.0.0.1:9/v1) is unreachable: fetch http://x:y@h/v1/models?key=k failed.")).toBe(
    "Upstream `a` (http://127.0.0.1:9/v1) is unreachable: fetch http://h/v1/models?key=[redacted] failed.",
  );
  expect(redactUrls(JSON.stringify({ url: "http://u:s3cret@h/v1", n: 1 }))).toBe(JSON.stringify({ url: "http://h/v1", n: 1 }));
  expect(redactUrls("connection refused")).toBe("connection refused");
});
