import type { ComponentChildren } from "preact";

export function Page({ title, children, wide }: { title: string; children: ComponentChildren; wide?: boolean }) {
  return (
    <div class="customer">
      <header class="customer__header">
        <span class="brand-mark" aria-hidden="true">
          ☎
        </span>{" "}
        <span class="customer__brand">Helpline</span>
      </header>
      <main id="main" class={`customer__main${wide ? " customer__main--wide" : ""}`}>
        <h1 class="page-title">{title}</h1>
        {children}
      </main>
    </div>
  );
}
