import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv } from 'vite';
import react from '@vitejs/plugin-react';

// `vite build --mode v1` reads .env.v1; a VITE_APP_VERSION in the environment wins over it.
export default defineConfig(({ mode }) => {
  const version = loadEnv(mode, import.meta.dirname, 'VITE_').VITE_APP_VERSION;
  if (!/^v\d+$/.test(version ?? '')) {
    throw new Error(`VITE_APP_VERSION must look like v1 or v2 (got "${version}"); build with --mode v1|v2.`);
  }
  return {
    plugins: [react()],
    resolve: {
      // Each build bundles only its own theme, so CSS hashes differ between versions too.
      alias: { '@theme': fileURLToPath(new URL(`./src/themes/${version}.css`, import.meta.url)) },
    },
    build: { outDir: `dist/${version}`, emptyOutDir: true },
  };
});
