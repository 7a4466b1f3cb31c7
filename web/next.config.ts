import type { NextConfig } from "next";

// A static export: the API process serves web/out (copied into the Python package) at "/".
// trailingSlash makes every page a folder with index.html, which a static file server resolves.
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
