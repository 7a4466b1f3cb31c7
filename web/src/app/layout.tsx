import type { Metadata, Viewport } from "next";
import type * as React from "react";

import { AppProvider } from "@/components/providers";

import "./globals.css";

export const metadata: Metadata = {
  title: "optionswarm",
  description: "Watch the swarm, approve its orders, pull the kill switch.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Sets the theme class before the first paint (no flash): the saved choice, else the OS's.
const themeScript = `(function(){try{var t=localStorage.getItem("optionswarm.theme");if(!t){t=window.matchMedia("(prefers-color-scheme: light)").matches?"light":"dark"}if(t==="dark")document.documentElement.classList.add("dark")}catch(e){document.documentElement.classList.add("dark")}})();`;

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <AppProvider>{children}</AppProvider>
      </body>
    </html>
  );
}
