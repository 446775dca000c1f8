/** Demo content for the embedded default. The README lists these logins. */
export const DEMO_PASSWORD = "demo-password-1";

export const demoUsers = {
  admin: { email: "admin@example.com", name: "Alex Admin", role: "ADMIN" },
  instructor: { email: "instructor@example.com", name: "Ada Lovelace", role: "INSTRUCTOR" },
  student: { email: "student@example.com", name: "Sam Student", role: "STUDENT" },
  newcomer: { email: "newcomer@example.com", name: "Nia Newcomer", role: "STUDENT" },
  expired: { email: "expired@example.com", name: "Eli Expired", role: "STUDENT" },
} as const;

type LessonSeed = { title: string; body: string; isFreePreview?: boolean; availableInDays?: number; video?: boolean };
type CourseSeed = {
  slug: string;
  title: string;
  summary: string;
  description: string;
  isFree: boolean;
  priceCents: number | null;
  sections: { title: string; lessons: LessonSeed[] }[];
};

const para = (topic: string) =>
  `In this lesson we look at ${topic}.\n\n## Key ideas\n\n- Why ${topic} matters in practice\n- The vocabulary you will meet\n- A worked example you can repeat\n\nTake notes as you go, then try the exercise at the end on your own machine.`;

export const demoCourses: CourseSeed[] = [
  {
    slug: "sql-basics",
    title: "Getting Started with SQL",
    summary: "Query, filter and join tables with confidence. A free introduction for analysts and developers.",
    description: "Eight short lessons take you from SELECT to JOINs and aggregates.\nEvery lesson has a video and a worksheet.",
    isFree: true,
    priceCents: null,
    sections: [
      {
        title: "Foundations",
        lessons: [
          { title: "What is a relational database?", body: para("tables, rows and keys"), isFreePreview: true, video: true },
          { title: "Your first SELECT", body: para("the SELECT statement"), video: true },
        ],
      },
      {
        title: "Combining data",
        lessons: [
          { title: "Filtering with WHERE", body: para("filtering rows with WHERE") },
          { title: "Joining tables", body: para("inner and outer joins"), video: true },
        ],
      },
    ],
  },
  {
    slug: "cloud-security",
    title: "Practical Cloud Security",
    summary: "Protect data and media on AWS: private buckets, signed URLs, key rotation and least privilege.",
    description: "A hands-on course for engineers shipping on AWS.\nYou will secure a bucket, put a CDN in front of it and sign URLs and cookies.",
    isFree: false,
    priceCents: 4900,
    sections: [
      {
        title: "Private content",
        lessons: [
          { title: "Why public buckets leak", body: para("public bucket incidents"), isFreePreview: true, video: true },
          { title: "Signed URLs and signed cookies", body: para("CloudFront signed URLs and cookies"), video: true },
        ],
      },
      {
        title: "Operations",
        lessons: [
          { title: "Rotating signing keys", body: para("key groups and rotation") },
          { title: "Incident drill (opens next month)", body: para("an incident drill"), availableInDays: 30 },
        ],
      },
    ],
  },
  {
    slug: "video-production",
    title: "Video Production for Educators",
    summary: "Plan, record and edit lesson videos that students finish watching.",
    description: "From storyboard to export settings, with checklists you can reuse.",
    isFree: false,
    priceCents: 2900,
    sections: [
      {
        title: "Before you record",
        lessons: [
          { title: "Planning a lesson video", body: para("planning a lesson video"), isFreePreview: true },
          { title: "Lighting and sound on a budget", body: para("lighting and sound"), video: true },
        ],
      },
      {
        title: "Editing",
        lessons: [{ title: "Cutting for attention", body: para("editing for attention") }],
      },
    ],
  },
];

/** Demo access codes: generated at seeding like any code (a readable prefix + 80 random bits); the seed prints them. */
export const demoAccessCodes = [
  { course: "cloud-security", prefix: "CLOUD", maxUses: 5 },
  { course: "video-production", prefix: "VIDEO", maxUses: 1 },
];
