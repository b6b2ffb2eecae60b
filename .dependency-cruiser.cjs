// The boundaries of the code, checked by `npm run lint` (depcruise). Each rule says why it exists;
// a new exception needs a reason here, not a disabled rule.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles-in-apps',
      comment:
        'A feature folder that imports another which imports it back cannot be understood, moved or tested on its own. Shared pieces belong at the edge (apps/api/src/identity) or in a lib.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^apps/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment:
        'Import cycles between files break initialisation order (undefined at import time) and Nest injection.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'libs-only-through-their-index',
      comment:
        "A lib's only entry is src/index.ts, imported as @rampart/<name>: what it does not export is its own business.",
      severity: 'error',
      from: { path: '^(apps|test|scripts)/' },
      to: { path: '^libs/[^/]+/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'libs-enter-other-libs-through-their-index',
      comment: 'The same rule between libs: a lib uses another only through its @rampart/<name> index.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'prisma-only-in-libs-db',
      comment:
        'Only libs/db repositories touch Prisma: services and use cases take and return the project’s own types.',
      severity: 'error',
      from: { pathNot: ['^libs/db/', '^prisma\\.config\\.ts$', '^scripts/db\\.mts$'] },
      to: { path: ['(^|/)node_modules/(@prisma/|prisma/)', '^libs/db/src/generated/'] },
    },
    {
      name: 'libs-never-import-apps',
      comment: 'Libs are shared by both apps; an app is what libs are for, never what they need.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-do-not-import-each-other',
      comment: 'The API and the worker share code through libs, so each deploys and starts on its own.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '^libs/db/src/generated/prisma/(?!client\\.ts$)'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
