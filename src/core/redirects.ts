/**
 * Where a download goes when a server answers with a redirect (HASHDIST.md §8.2): the rules a
 * browser follows, decided in the main process so that each hop's fetch worker can be granted
 * exactly the next `host:port`. Pure: takes URLs, returns a URL or a `DownloadFailure`.
 */
import { DownloadFailure } from "./download_failure.ts";

/** The most redirects one download follows, as browsers and curl's default cap (50) allow. */
export const MAX_REDIRECTS = 10;

/** The HTTP statuses that redirect a GET. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 ||
    status === 308;
}

/**
 * The URL a redirect from `from` to `location` leads to, given the URLs already visited
 * (`from` included, in order): a relative `location` is taken from `from`; `http` → `https`
 * is allowed, `https` → `http` is not; a URL seen before is a loop; more than `MAX_REDIRECTS`
 * hops end the download. The user name and password of `from` are never carried to another
 * host.
 * @throws {DownloadFailure} (not worth a retry) naming the redirect that was refused.
 */
export function followRedirect(
  from: string,
  location: string | null,
  visited: readonly string[],
): string {
  if (location === null || location.trim() === "") {
    throw new DownloadFailure(`redirected from "${from}" without a Location header`, {
      retry: false,
    });
  }
  let next: URL;
  try {
    next = new URL(location.trim(), from);
  } catch {
    throw new DownloadFailure(`redirected from "${from}" to a malformed URL "${location}"`, {
      retry: false,
    });
  }
  const previous = new URL(from);
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new DownloadFailure(
      `redirected from "${from}" to "${next.href}": only http and https redirects are followed`,
      { retry: false },
    );
  }
  if (previous.protocol === "https:" && next.protocol === "http:") {
    throw new DownloadFailure(
      `redirected from "${from}" to "${next.href}": a redirect from https to plain http is ` +
        "refused",
      { retry: false },
    );
  }
  if (next.host !== previous.host) {
    next.username = "";
    next.password = "";
  }
  next.hash = "";
  const url = next.href;
  if (visited.includes(url)) {
    throw new DownloadFailure(
      `redirect loop: "${from}" leads back to "${url}" (${
        visited.slice(visited.indexOf(url)).map((hop) => `"${hop}"`).join(" -> ")
      })`,
      { retry: false },
    );
  }
  if (visited.length > MAX_REDIRECTS) {
    throw new DownloadFailure(
      `too many redirects: more than ${MAX_REDIRECTS} from "${visited[0]}", the last to "${url}"`,
      { retry: false },
    );
  }
  return url;
}
