/**
 * The suspicious-accounts report of a course's access log (ADR 047). Pure: it reads granted
 * events (who, from which address, in which sign-in session, when) and flags the accounts
 * that, within the report's window, got media
 *  - from at least `minIps` distinct client addresses, or
 *  - in at least `minSessions` distinct sign-in sessions within one `concurrencyMinutes` span
 *    (two devices watching at the same time: a shared account).
 * Events without an address or a session id count for neither rule.
 */

export interface ReportRules {
  minIps: number;
  minSessions: number;
  /** Sessions with grants within this many minutes of each other are concurrent. */
  concurrencyMinutes: number;
}

/** Sessions are concurrent when their grants fall within the same ten minutes. */
export const CONCURRENCY_MINUTES = 10;

export interface Grant {
  userId: string | null;
  ip: string | null;
  sessionId: string | null;
  at: Date;
}

export interface FlaggedAccount {
  userId: string;
  /** Distinct client addresses, most used first. */
  ips: string[];
  /** The most distinct sessions with grants within one concurrency span. */
  concurrentSessions: number;
  grants: number;
  firstAt: Date;
  lastAt: Date;
  /** Which rules flagged the account. */
  manyIps: boolean;
  manySessions: boolean;
}

function distinctPerUser(rows: { userId: string | null; value: string | null }[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { userId, value } of rows) {
    if (!userId || !value) continue;
    let set = out.get(userId);
    if (!set) out.set(userId, (set = new Set()));
    set.add(value);
  }
  return out;
}

/**
 * The accounts that could be flagged, from the distinct (user, address) and (user, session)
 * pairs of the window: enough addresses, or enough sessions to possibly be concurrent. Lets
 * the loader read full event lists for these accounts only.
 */
export function candidateUsers(
  pairs: { ips: { userId: string | null; ip: string | null }[]; sessions: { userId: string | null; sessionId: string | null }[] },
  rules: Pick<ReportRules, "minIps" | "minSessions">,
): string[] {
  const ips = distinctPerUser(pairs.ips.map((p) => ({ userId: p.userId, value: p.ip })));
  const sessions = distinctPerUser(pairs.sessions.map((p) => ({ userId: p.userId, value: p.sessionId })));
  const users = new Set<string>();
  for (const [userId, set] of ips) if (set.size >= rules.minIps) users.add(userId);
  for (const [userId, set] of sessions) if (set.size >= rules.minSessions) users.add(userId);
  return [...users].sort();
}

/**
 * The most distinct sessions among grants that fall within `spanMs` of each other (a window
 * sliding over the grants, which must be sorted by time).
 */
export function maxConcurrentSessions(sorted: Pick<Grant, "sessionId" | "at">[], spanMs: number): number {
  const inWindow = new Map<string, number>();
  let best = 0;
  let start = 0;
  for (const g of sorted) {
    if (!g.sessionId) continue;
    inWindow.set(g.sessionId, (inWindow.get(g.sessionId) ?? 0) + 1);
    for (; sorted[start].at.getTime() < g.at.getTime() - spanMs; start++) {
      const old = sorted[start].sessionId;
      if (!old) continue;
      const n = inWindow.get(old)! - 1;
      if (n) inWindow.set(old, n);
      else inWindow.delete(old);
    }
    best = Math.max(best, inWindow.size);
  }
  return best;
}

/** The flagged accounts, the most addresses or sessions first. */
export function flagAccounts(grants: Grant[], rules: ReportRules): FlaggedAccount[] {
  const byUser = new Map<string, Grant[]>();
  for (const g of grants) {
    if (!g.userId) continue;
    let list = byUser.get(g.userId);
    if (!list) byUser.set(g.userId, (list = []));
    list.push(g);
  }
  const flagged: FlaggedAccount[] = [];
  for (const [userId, list] of byUser) {
    list.sort((a, b) => a.at.getTime() - b.at.getTime());
    const uses = new Map<string, number>();
    for (const g of list) if (g.ip) uses.set(g.ip, (uses.get(g.ip) ?? 0) + 1);
    const ips = [...uses.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([ip]) => ip);
    const concurrentSessions = maxConcurrentSessions(list, rules.concurrencyMinutes * 60_000);
    const manyIps = ips.length >= rules.minIps;
    const manySessions = concurrentSessions >= rules.minSessions;
    if (!manyIps && !manySessions) continue;
    flagged.push({ userId, ips, concurrentSessions, grants: list.length, firstAt: list[0].at, lastAt: list[list.length - 1].at, manyIps, manySessions });
  }
  const score = (f: FlaggedAccount) => Math.max(f.ips.length / rules.minIps, f.concurrentSessions / rules.minSessions);
  return flagged.sort((a, b) => score(b) - score(a) || a.userId.localeCompare(b.userId));
}
