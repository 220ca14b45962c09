import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import preact from "@preact/preset-vite";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

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
  test: {
    include: ["common/**/*.test.{ts,tsx}", "console/**/*.test.{ts,tsx}", "customer/**/*.test.{ts,tsx}"],
    environment: "node",
  },
});
