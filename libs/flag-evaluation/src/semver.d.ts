// The `semver` package ships no types and @types/semver is not installed in this workspace; these
// are the parts of its API this lib uses, as @types/semver declares them. Delete this file when
// @types/semver joins the devDependencies.
declare module 'semver' {
  export class SemVer {
    raw: string;
    version: string;
    compare(other: string | SemVer): 1 | 0 | -1;
  }
  export function parse(version: string | SemVer | null | undefined): SemVer | null;
}
