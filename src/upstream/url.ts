// An upstream URL as people see it: on the status page, in /status.json, in error messages,
// in `wayfront check` and in the log. A base URL may carry credentials (`http://user:pass@host/v1`,
// `?api_key=…`); those are for the upstream, never for display. Only ever used for showing:
// what is fetched is the configured URL, untouched.

const REDACTED = "[redacted]";

/** Query parameter names whose values are secrets: api_key, key, token, access_token, sig, password… */
const SECRET_PARAM = /(key|token|secret|pass(word|wd)?|pwd|auth|sig(nature)?|credential)s?$/i;

/** `scheme://` at the start of a URL. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * The URL without userinfo, and with the values of secret-looking query parameters replaced
 * by "[redacted]". Everything else is kept as written (no normalising), so it reads like the config.
 */
export function displayUrl(url: string): string {
  return redactQuery(stripUserinfo(url));
}

/** Every URL (`scheme://…`) inside a free text, such as an error message, shown as displayUrl shows it. */
export function redactUrls(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g, (u) => displayUrl(u));
}

function stripUserinfo(url: string): string {
  const scheme = SCHEME.exec(url);
  if (!scheme) return url;
  const rest = url.slice(scheme[0].length);
  // A URL that parses has its authority end at the first / \ ? or #; one that doesn't (an
  // unencoded "/" in a password, say) may still hold a secret, so drop up to the last "@"
  // before the query: showing less of a broken URL beats showing its password.
  const end = rest.search(URL.canParse(url) ? /[/\\?#]/ : /[?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf("@");
  if (at === -1) return url;
  return scheme[0] + rest.slice(at + 1);
}

function redactQuery(url: string): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const hash = url.indexOf("#", q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const shown = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep it as written
      }
      return SECRET_PARAM.test(name) && eq < pair.length - 1 ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join("&");
  return url.slice(0, q + 1) + shown + (hash === -1 ? "" : url.slice(hash));
}
