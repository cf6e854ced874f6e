// Drives the dashboard (/_mock/ui) in Debian's chromium through playwright-core, for
// tests/dashboard.rs. DASHBOARD_SETTINGS (JSON) gives the mock's base URL, the flow, the
// browser and where screenshots go. The test and this script talk in lines:
//   stdout `WAIT {json}`  the script needs the test to act (send a vendor request, read
//                         the mock's clock ...); the test answers one JSON line on stdin;
//   stdout `RESULT {json}` what the page showed, for the test to check.
// A page that does not show what it should within the timeout throws: exit status 1.
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { chromium } = require("playwright-core");

const settings = JSON.parse(process.env.DASHBOARD_SETTINGS);
const TIMEOUT_MS = 10000;
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let shot = 0;

/** Asks the test to act; returns its answer. */
async function ask(step) {
  process.stdout.write(`WAIT ${JSON.stringify(step)}\n`);
  const { value, done } = await lines.next();
  if (done) throw new Error(`the test closed stdin instead of answering ${step.step}`);
  return JSON.parse(value);
}

async function screenshot(page, name) {
  shot += 1;
  const file = path.join(settings.screenshots, `${settings.flow}-${shot}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function open(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(TIMEOUT_MS);
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    // A refused control call (the 401 before the token) is logged by the browser, not by
    // the page; anything else the console shows is a problem.
    if (msg.type() === "error" && !msg.text().includes("401")) problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${settings.base_url}/_mock/ui`);
  return { page, problems };
}

async function live(page) {
  await page.waitForSelector("#conn.live");
}

/** The journal row of this seq, once the page shows it: its cells' text and class. */
async function journalRow(page, seq) {
  const row = page.locator(`#journal-rows tr[data-seq="${seq}"]`);
  await row.waitFor();
  return {
    cells: await row.locator("td").allTextContents(),
    class: await row.getAttribute("class"),
  };
}

/** (a) A vendor request the test sends shows up in the journal with its status. */
async function journal(page) {
  await live(page);
  await screenshot(page, "open");
  const sent = await ask({ step: "vendor-request" });
  const row = await journalRow(page, sent.seq);
  await screenshot(page, "request-in-journal");
  const hostile = await ask({ step: "hostile-request" });
  const hostileRow = await journalRow(page, hostile.seq);
  await page.locator(`#journal-rows tr[data-seq="${hostile.seq}"]`).click();
  await page.waitForSelector("#journal-detail:not([hidden])");
  const detail = await page.locator("#detail-json").textContent();
  const detailWarnings = await page.locator("#detail-warnings li").allTextContents();
  await screenshot(page, "hostile-request-detail");
  // Filter by status: only the hostile request's status is left.
  await page.fill("#filter-status", String(sent.status));
  await page.press("#filter-status", "Enter");
  // The view empties, then reloads: wait for the filtered rows, not only for the gap.
  await page.waitForFunction(
    ([gone, kept]) =>
      !document.querySelector(`#journal-rows tr[data-seq="${gone}"]`) &&
      document.querySelector(`#journal-rows tr[data-seq="${kept}"]`),
    [hostile.seq, sent.seq],
  );
  const filtered = await page.locator("#journal-rows tr").evaluateAll((rows) => rows.map((r) => r.dataset.status));
  return {
    row,
    hostile_row: hostileRow,
    detail,
    detail_warnings: detailWarnings,
    filtered_statuses: filtered,
    // Markup sent by the client would have made elements; text makes none.
    injected_elements: await page.locator("#journal-rows img, #journal-rows script, #journal-rows b, #journal-detail img, #journal-detail script, #detail-json *").count(),
    pwned: await page.evaluate(() => window.pwned === 1),
  };
}

/** (b) A fault added from a template fails the next vendor request. */
async function fault(page) {
  await live(page);
  await page.selectOption("#fault-template", { label: "next 3 → 429" });
  await page.selectOption("#fault-family", "jpush");
  const rule = JSON.parse(await page.inputValue("#fault-json"));
  await page.click("#fault-add");
  const added = page.locator("#fault-rows tr").first();
  await added.waitFor();
  await screenshot(page, "fault-added");
  const sent = await ask({ step: "vendor-request" });
  await page.waitForFunction(() => {
    const applied = document.querySelector("#fault-rows tr .applied");
    return applied && applied.textContent === "1";
  });
  const row = await journalRow(page, sent.seq);
  await screenshot(page, "fault-applied");
  return {
    rule,
    result: await page.textContent("#fault-result"),
    fault_row: await added.locator("td").allTextContents(),
    row,
  };
}

/** (c) Advancing the clock from the page moves the mock's clock. */
async function clock(page) {
  await live(page);
  const before = await page.textContent("#clock-now");
  await screenshot(page, "clock-before");
  await page.click("button.advance[data-seconds='3600']");
  await page.waitForFunction((shown) => document.querySelector("#clock-now").textContent !== shown, before);
  const afterHour = await page.textContent("#clock-now");
  const mockAfterHour = await ask({ step: "read-clock" });
  await page.fill("#clock-advance-seconds", "121");
  await page.click("#clock-advance");
  await page.waitForFunction((shown) => document.querySelector("#clock-now").textContent !== shown, afterHour);
  const afterCustom = await page.textContent("#clock-now");
  const mockAfterCustom = await ask({ step: "read-clock" });
  await screenshot(page, "clock-advanced");
  return { before, after_hour: afterHour, mock_after_hour: mockAfterHour, after_custom: afterCustom, mock_after_custom: mockAfterCustom };
}

/** With --control-token: the page asks for it, refuses a wrong one, then works. */
async function token(page) {
  await page.waitForSelector("#token-panel:not([hidden])");
  await screenshot(page, "asks-for-token");
  await page.fill("#token-input", "not-the-token");
  await page.click("#token-submit");
  await page.waitForFunction(() => document.querySelector("#token-error").textContent.includes("refused"));
  const refusal = await page.textContent("#token-error");
  await page.fill("#token-input", settings.token);
  await page.click("#token-submit");
  await live(page);
  const sent = await ask({ step: "vendor-request" });
  const row = await journalRow(page, sent.seq);
  await screenshot(page, "with-token");
  await page.reload();
  await live(page);
  return {
    refusal,
    row,
    clock: await page.textContent("#clock-now"),
    kept_in_session: await page.evaluate(() => Object.keys(sessionStorage)),
    asks_again_after_reload: await page.isVisible("#token-panel"),
  };
}

const FLOWS = { journal, fault, clock, token };

async function main() {
  fs.mkdirSync(settings.screenshots, { recursive: true });
  // launch() gives every browser a fresh temporary profile (user-data-dir).
  const browser = await chromium.launch({
    executablePath: settings.chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const { page, problems } = await open(browser);
    const result = await FLOWS[settings.flow](page);
    result.problems = problems;
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
  },
);
