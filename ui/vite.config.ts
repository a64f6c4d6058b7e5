import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/** Where `npm run dev` forwards API calls: a gateway running locally (`mvn spring-boot:run`). */
const GATEWAY = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    // Maven packages target/classes into tollgate-ui.jar, so the page ends up at
    // classpath:/static/ — which Spring Boot serves at "/" in any app depending on the jar.
    outDir: 'target/classes/static',
    emptyOutDir: true,
  },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/api', '/admin', '/healthz'].map((prefix) => [prefix, { target: GATEWAY }]),
    ),
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
