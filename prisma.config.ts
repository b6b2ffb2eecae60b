// Prisma CLI configuration. The app itself never reads this file: at run time the
// connection string comes from the validated config (libs/config) and reaches
// Prisma through @prisma/adapter-pg. Migrations are applied by scripts/db.ts with
// Prisma's WebAssembly schema engine, using the same migrations folder.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
