import type { Metadata } from "next";
import { ActionButton } from "@/components/action-button";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { PageForbidden } from "@/components/forbidden-panel";
import { Badge, EmptyState, PageHeader, inputClass } from "@/components/ui";
import { cellClass, DataTable } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { formatDate, plural } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { listUsers, USERS_PAGE_SIZE } from "@/lib/users";
import { endUserSessionsAction, setUserDisabledAction, setUserRoleAction } from "../actions";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

const td = cellClass;
const roles = ["STUDENT", "INSTRUCTOR", "ADMIN"] as const;

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const q = String((await searchParams).q ?? "");
  const loaded = await loadForPage(`/admin/users${q ? `?q=${encodeURIComponent(q)}` : ""}`, async () => {
    const viewer = await requireUser();
    return { viewer, ...(await listUsers(viewer, { q })) };
  });
  if (!loaded.ok) return <PageForbidden message={loaded.message} reason={loaded.reason} />;
  const { viewer, users, total } = loaded.value;

  return (
    <div>
      <PageHeader
        title="Users"
        subtitle="Disable an account, change its role or sign it out everywhere: its open sessions end on their next request, media refreshes included."
      />
      <form method="get" action="/admin/users" className="mb-6 flex max-w-xl gap-2" role="search">
        <label htmlFor="user-search" className="sr-only">
          Search users by email or name
        </label>
        <input id="user-search" name="q" defaultValue={q} placeholder="Search by email or name" className={inputClass} />
        <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700">
          Search
        </button>
      </form>
      <p className="mb-3 text-sm text-slate-600" data-testid="user-count">
        {plural(total, "user")}
        {total > users.length ? ` (the newest ${USERS_PAGE_SIZE} shown: refine the search)` : ""}
      </p>
      {users.length === 0 ? (
        <EmptyState title="No users found" testId="no-users">
          No account matches “{q}”.
        </EmptyState>
      ) : (
        <DataTable testId="users-table" caption="Users" columns={["User", "Role", "Status", "Joined", ""]}>
          {users.map((u) => {
            const self = u.id === viewer.id;
            return (
              <tr key={u.id} data-testid="user-row" data-email={u.email} data-disabled={u.disabled ? "true" : "false"} data-role={u.role}>
                <td className={td}>
                  <div className="font-medium text-slate-900">{u.name}</div>
                  <div className="text-slate-500">{u.email}</div>
                  <div className="text-xs text-slate-400">{[u.hasPassword ? "password" : null, ...u.providers].filter(Boolean).join(" · ") || "no sign-in method"}</div>
                </td>
                <td className={td}>
                  {self ? (
                    <Badge tone="brand">{u.role.toLowerCase()} (you)</Badge>
                  ) : (
                    <ActionForm action={setUserRoleAction.bind(null, u.id)} className="flex items-center gap-2" testId="role-form">
                      <label htmlFor={`role-${u.id}`} className="sr-only">
                        Role of {u.email}
                      </label>
                      <select id={`role-${u.id}`} name="role" defaultValue={u.role} className={`${inputClass} w-36`}>
                        {roles.map((r) => (
                          <option key={r} value={r}>
                            {r.toLowerCase()}
                          </option>
                        ))}
                      </select>
                      <SubmitButton variant="secondary" pendingText="Saving…">
                        Change role
                      </SubmitButton>
                    </ActionForm>
                  )}
                </td>
                <td className={td}>{u.disabled ? <Badge tone="red">Disabled</Badge> : <Badge tone="green">Active</Badge>}</td>
                <td className={`${td} whitespace-nowrap text-slate-600`}>{formatDate(u.createdAt)}</td>
                <td className={td}>
                  {self ? null : (
                    <div className="flex flex-wrap justify-end gap-2">
                      <ActionButton
                        action={setUserDisabledAction.bind(null, u.id, !u.disabled)}
                        variant={u.disabled ? "secondary" : "danger"}
                        pendingText={u.disabled ? "Enabling…" : "Disabling…"}
                        confirm={u.disabled ? undefined : `Disable ${u.email}? They are signed out everywhere and cannot sign in until enabled again.`}
                      >
                        {u.disabled ? "Enable" : "Disable"}
                      </ActionButton>
                      <ActionButton action={endUserSessionsAction.bind(null, u.id)} variant="ghost" pendingText="Signing out…">
                        Sign out everywhere
                      </ActionButton>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}
