import { ForbiddenPanel } from "@/components/forbidden-panel";
import { ButtonLink } from "@/components/ui";

/** 403 panels of the instructor area (the page itself answers; the proxy is only a first gate). */
export function NotAnInstructor({ email }: { email: string }) {
  return (
    <ForbiddenPanel
      reason="instructor-only"
      title="This area is for instructors"
      detail={`You are signed in as ${email}, which is a student account. Ask an administrator for instructor access if you want to teach.`}
    />
  );
}

export function NotYourCourse({ message }: { message: string }) {
  return (
    <ForbiddenPanel reason="instructor-only" title="You don't teach this course" detail={`${message} Ask one of its instructors or an administrator to add you.`}>
      <ButtonLink href="/instructor">Back to your courses</ButtonLink>
    </ForbiddenPanel>
  );
}
