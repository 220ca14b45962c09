import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import preact from "@preact/preset-vite";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// The server that `npm run dev` forwards API and WebSocket calls to.
const devServer = process.env["HELPLINE_DEV_SERVER"] ?? "http://127.0.0.1:8000";

export default defineConfig({
  root: here("."),
  base: "/static/",
  plugins: [preact()],
  build: {
    outDir: here("../src/helpline/static"),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        console: here("console/index.html"),
        customer: here("customer/index.html"),
      },
      output: {
        // One chunk of libraries and one of shared code, named for what they are.
        manualChunks(id: string): string | undefined {
          if (id.includes("node_modules")) return "vendor";
          if (id.includes("/web/common/")) return "common";
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": devServer,
      "/ws": { target: devServer, ws: true },
    },
  },
  test: {
    include: ["common/**/*.test.ts", "console/**/*.test.ts", "customer/**/*.test.ts"],
    environment: "node",
  },
});
