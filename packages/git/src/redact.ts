// Credentials out of everything a person reads: `https://user:token@host/…`
// becomes `https://***@host/…`, in a URL or anywhere inside a longer text.

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/** A URL for messages and replies, with any `user:password@` part removed. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, "$1***@");
}

/** Every URL's credentials in a text (git's stderr, an error message) redacted. */
export function redactText(text: string): string {
  return text.replace(USERINFO, "$1***@");
}
