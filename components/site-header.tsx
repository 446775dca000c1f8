import Link from "next/link";
import { canAdministerUsers, canAuthorCourses } from "@/lib/access/policy";
import { getCurrentUser } from "@/lib/auth/session";
import { clientEnv } from "@/lib/env.client";
import { SignOutButton } from "./sign-out-button";

export async function SiteHeader() {
  const user = await getCurrentUser();
  const teaches = canAuthorCourses(user);
  const administers = canAdministerUsers(user);
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-16 max-w-6xl items-center gap-4 px-4 sm:px-6 lg:px-8">
        <Link href="/" className="flex items-center gap-2 font-bold text-slate-900">
          <span className="flex h-8 w-8 items-center justify-center rounded-lg bg-brand-600 text-white">L</span>
          <span className="hidden sm:inline">{clientEnv.NEXT_PUBLIC_APP_NAME}</span>
        </Link>
        <nav className="flex flex-1 items-center gap-1 text-sm font-medium text-slate-700">
          <Link className="rounded-md px-3 py-2 hover:bg-slate-100" href="/courses">
            Courses
          </Link>
          {user ? (
            <>
              <Link className="rounded-md px-3 py-2 hover:bg-slate-100" href="/dashboard">
                My learning
              </Link>
              <Link className="hidden rounded-md px-3 py-2 hover:bg-slate-100 sm:inline" href="/redeem">
                Redeem code
              </Link>
            </>
          ) : null}
          {teaches ? (
            <Link className="rounded-md px-3 py-2 hover:bg-slate-100" href="/instructor">
              Teach
            </Link>
          ) : null}
          {administers ? (
            <Link className="rounded-md px-3 py-2 hover:bg-slate-100" href="/admin/users">
              Users
            </Link>
          ) : null}
        </nav>
        {user ? (
          <div className="flex items-center gap-3 text-sm">
            <Link className="rounded-md px-3 py-2 font-medium text-slate-700 hover:bg-slate-100" href="/account">
              Account
            </Link>
            <span className="hidden text-slate-600 md:inline" data-testid="signed-in-as">
              {user.name} <span className="text-slate-400">({user.role.toLowerCase()})</span>
            </span>
            <SignOutButton />
          </div>
        ) : (
          <div className="flex items-center gap-2 text-sm">
            <Link href="/signin" className="rounded-md px-3 py-2 font-medium text-slate-700 hover:bg-slate-100">
              Sign in
            </Link>
            <Link href="/signup" className="rounded-lg bg-brand-600 px-3 py-2 font-semibold text-white hover:bg-brand-700">
              Sign up
            </Link>
          </div>
        )}
      </div>
    </header>
  );
}
