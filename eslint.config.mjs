// ESLint flat config: typescript-eslint's type-aware recommended rules, Prettier owning format,
// and the project's two boundaries: only libs/config reads process.env, and no deep imports
// into another lib's src (import @rampart/<lib> instead).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const LIB_ALIAS_RULE = {
  group: ['**/libs/*/src/**', '../../libs/**'],
  message: 'Import a lib through its @rampart/<name> alias.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'libs/db/src/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @rampart/config.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            LIB_ALIAS_RULE,
            {
              group: ['@prisma/*', 'prisma', 'prisma/*'],
              message: 'Only libs/db and the migration scripts use Prisma.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/db/**/*.ts', 'scripts/**/*.mts', 'prisma.config.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [LIB_ALIAS_RULE] }] },
  },
  {
    // Decorated Nest classes need their constructor parameter types at run time (emitDecoratorMetadata),
    // so those imports must stay value imports.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // The configuration lib, the CLI scripts and the tests (which configure the processes they spawn)
    // are the places allowed to touch the environment.
    files: [
      'libs/config/**/*.ts',
      'scripts/**/*.mts',
      'test/**/*.{ts,mts}',
      'prisma.config.ts',
      'jest.config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.{ts,mts}'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Plain JavaScript config files: no type information, Node's CommonJS/ESM globals.
    files: ['**/*.{js,cjs,mjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  prettier,
);
