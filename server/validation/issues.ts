/** zod's issues as one readable sentence: "path.to.field: message; other: message". */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], whole = "(body)"): string {
  return issues.map((issue) => `${issue.path.map(String).join(".") || whole}: ${issue.message}`).join("; ");
}
