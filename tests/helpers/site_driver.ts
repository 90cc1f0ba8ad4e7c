/**
 * Drives the pages `obento export web` writes in one headless Chromium (npm `playwright-core`, loaded by
 * tests/helpers/playwright.ts). The plan ({@link DriverPlan}) lists page visits; in each, the page must reach `#status[data-state=ready]`,
 * then each call fills the API's fields form, text box, file picker or JSON box, submits it and reads the
 * output box. The results ({@link DriverResult}) give, per visit, the status line and the calls' outputs,
 * plus every uncaught page error.
 *
 * @module
 */
import type { Page } from "playwright-core";
import { loadPlaywright } from "./playwright.ts";

/** One API call in a page. */
export interface DriverCall {
  /** The API's name. */
  api: string;
  /** `fields`: fill the form's fields; `json`: the JSON box; `text`: the text box; `file`: the file picker. */
  via: "fields" | "json" | "text" | "file";
  /** For fields: name → value; json/text: the text; file: an absolute path. */
  input: Record<string, number | string> | string;
}

/** One page visit. */
export interface DriverVisit {
  /** The page's URL. */
  url: string;
  /** The calls made once it is ready. */
  calls: DriverCall[];
}

/** What to drive. */
export interface DriverPlan {
  /** The Chromium executable. */
  executablePath: string;
  /** The visits, in order, in one page of one browser. */
  visits: DriverVisit[];
}

/** What {@link driveSites} found. */
export interface DriverResult {
  /** Per visit: the status line's state and text, and each call's output box. */
  visits: {
    state: string;
    status: string;
    /** From the page's navigation to `#status` leaving `loading` (the model loaded), ms. */
    readyMs: number;
    outputs: { status: string; text: string }[];
  }[];
  /** Uncaught errors in the pages. */
  pageErrors: string[];
}

async function call(page: Page, c: DriverCall): Promise<{ status: string; text: string }> {
  const section = page.locator(`section#api-${c.api}`);
  const form = section.locator(c.via === "json" ? "form.json" : "form.fields");
  if (c.via === "fields") {
    for (const [name, value] of Object.entries(c.input as Record<string, unknown>)) {
      await form.locator(`input[name="${name}"]`).fill(String(value));
    }
  } else if (c.via === "file") {
    await form.locator("input[type=file]").setInputFiles(c.input as string);
  } else {
    await form.locator("textarea").fill(c.input as string);
  }
  const out = section.locator(`pre[data-out="${c.api}"]`);
  await out.evaluate((el) => el.removeAttribute("data-state"));
  await form.locator("button[type=submit]").click();
  await section.locator(`pre[data-out="${c.api}"][data-state="done"]`).waitFor({ timeout: 60_000 });
  return { status: (await out.getAttribute("data-status")) ?? "", text: (await out.textContent()) ?? "" };
}

/** Visits the plan's pages in one page of one browser, making each visit's calls. */
export async function driveSites(plan: DriverPlan): Promise<DriverResult> {
  const { chromium } = await loadPlaywright();
  const browser = await chromium.launch({ executablePath: plan.executablePath });
  const result: DriverResult = { visits: [], pageErrors: [] };
  try {
    const page = await browser.newPage();
    page.on("pageerror", (error) => result.pageErrors.push(error.message));
    for (const visit of plan.visits) {
      const started = performance.now();
      await page.goto(visit.url);
      const status = page.locator("#status");
      await page.locator("#status:not([data-state=loading])").waitFor({ timeout: 120_000 });
      const readyMs = Math.round(performance.now() - started);
      const state = (await status.getAttribute("data-state")) ?? "";
      const outputs = [];
      if (state === "ready") { for (const c of visit.calls) outputs.push(await call(page, c)); }
      result.visits.push({ state, status: (await status.textContent()) ?? "", readyMs, outputs });
    }
  } finally {
    await browser.close();
  }
  return result;
}
