// End-to-end live quiz in a real headless Chromium (Debian's package).
//
//   node tests/e2e/live.mjs http://127.0.0.1:PORT/
//
// The server must offer tests/fixtures/live-choice.ron (capitals). A host in
// one browser context creates a room with the form and projects it; three
// students in three phone-sized contexts join with the code, and one reloads
// mid-question. They play the whole game; the script checks every reveal,
// the leaderboard, the podium, the students' final ranks and the CSV the
// host downloads, and runs axe-core on the host's and students' pages in
// light and dark. Screenshots go to $QUIZLINE_E2E_SHOTS (default
// /tmp/quizline-e2e).

import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const base = new URL(process.argv[2] ?? "");
const shots = process.env.QUIZLINE_E2E_SHOTS || "/tmp/quizline-e2e";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(shots, { recursive: true });

const RIGHT = {
  "What is the capital of France?": "Paris",
  "What is the capital of Italy?": "Rome",
  "True or false: Madrid is the capital of Spain.": "True",
  "What is the capital of Germany?": "Berlin",
};
const WRONG = {
  "What is the capital of France?": "Lyon",
  "What is the capital of Italy?": "Milan",
  "True or false: Madrid is the capital of Spain.": "False",
  "What is the capital of Germany?": "Bonn",
};
// Ana is always right; Ben right on the first two questions shown; the third
// student, whose nickname is markup, always wrong.
const STUDENTS = ["Ana", "Ben", "<b>Cy</b>"];

let checks = 0;
const problems = [];
const scanned = [];
const check = (cond, message) => {
  if (!cond) throw new Error(message);
  checks += 1;
};
const log = (m) => console.log(`e2e-live: ${m}`);

const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

const external = [];
async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light", acceptDownloads: true, ...options });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.host === base.host) return route.continue();
    external.push(url.href);
    return route.abort();
  });
  return context;
}

function watch(page, who, expected = null) {
  page.on("pageerror", (e) => problems.push(`${who}: script error on ${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    // A WebSocket cut on purpose (the reload) may log, and a refusal the
    // test provokes is logged as a failed load; nothing else should be.
    const fine = m.text().includes("WebSocket") || (expected && expected.test(m.text()));
    if (m.type() === "error" && !fine) problems.push(`${who}: console error: ${m.text()}`);
  });
  return page;
}

async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result.violations) {
    const where = v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ");
    const line = `axe ${name}: ${v.impact} ${v.id}: ${v.help} (${where})`;
    if (bad.includes(v)) console.error(line);
    else log(`note: ${line}`);
  }
  check(bad.length === 0, `axe found ${bad.length} serious or critical violation(s) on ${name}`);
  scanned.push(name);
}

async function layout(page, name) {
  const small = await page.evaluate(() =>
    Array.from(document.querySelectorAll("button, .button, input:not([type=hidden]), select, label.choice, label.check"))
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ el: el.outerHTML.slice(0, 80), r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width < 24 || r.height < 24)
      .map(({ el, r }) => `${el} ${Math.round(r.width)}x${Math.round(r.height)}`),
  );
  check(small.length === 0, `${name}: targets under 24px: ${small.join("; ")}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px`);
}

async function shot(page, name) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  log(`screenshot ${path}`);
}

async function waitFor(cond, what, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const text = async (page, sel) => (await page.locator(sel).first().innerText()).replace(/\s+/g, " ").trim();
const visible = (page, sel) => page.locator(sel).waitFor({ state: "visible", timeout: 15000 });

// ----- the host creates a room -----
const hostCtx = await newContext();
const host = watch(await hostCtx.newPage(), "host");
await host.goto(new URL("/host", base).href);
await axe(host, "new room form");
await host.selectOption("#set", "live-choice");
await host.fill("#count", "");
await host.selectOption("#time", "60");
await host.check("input[name=scoring][value=accuracy-only]");
await host.click("button[type=submit]");
await host.waitForURL(/\/host\/\d{6}$/);
check(!host.url().includes("key="), "the host secret is taken out of the address bar");
const code = await host.locator("main").getAttribute("data-code");
log(`room ${code}`);
check((await text(host, ".join-code")).replace(/\D/g, "") === code, "the join code is shown in large type");
check(await host.locator(".qr-box svg").count() === 1, "the QR code is inline SVG");
check((await text(host, ".url")).endsWith(`/play/${code}`), "the student URL is shown");
// The server listens on loopback only: the host is told plainly, with the way out.
check((await text(host, "#join-warning")).includes("Phones cannot join"), "the loopback warning is shown");
check((await text(host, "#join-warning code")).startsWith("quizline serve --addr 0.0.0.0:"), "the warning says how to open the class network");
check((await text(host, ".quiz-title")).includes("capitals <& quotes \">"), "the title is shown as text, not markup");
await host.locator("#conn:text-is('')").waitFor({ state: "attached", timeout: 15000 });
await axe(host, "host lobby");
await layout(host, "host lobby");

// ----- three students join on phones -----
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const students = [];
for (const [i, name] of STUDENTS.entries()) {
  const ctx = await newContext({ ...phone, colorScheme: i === 1 ? "dark" : "light" });
  const page = watch(await ctx.newPage(), name);
  await page.goto(new URL(`/play/${code}`, base).href);
  check((await page.inputValue("#code")) === code, "the QR link fills in the code");
  if (i === 0) {
    await axe(page, "student join");
    await layout(page, "student join");
    // A nickname that is too long is refused with a message, not a crash.
    await page.fill("#nickname", "x".repeat(24) + "y");
    check((await page.inputValue("#nickname")).length === 24, "the field holds 24 characters at most");
  }
  await page.fill("#nickname", name);
  await page.click("#join-form button[type=submit]");
  await visible(page, "#lobby");
  check((await text(page, "#lobby .nick")) === name, `${name} sees their nickname`);
  students.push({ name, page, ctx });
}
await axe(students[0].page, "student lobby");
// Taking a name already in use is refused with a message.
{
  const ctx = await newContext(phone);
  const page = watch(await ctx.newPage(), "dup", /status of 409/);
  await page.goto(new URL(`/play/${code}`, base).href);
  await page.fill("#nickname", "ANA");
  await page.click("#join-form button[type=submit]");
  await visible(page, "#join-error");
  check((await text(page, "#join-error")).includes("taken"), "a duplicate nickname is refused");
  await ctx.close();
}

// Ana opens the game in a second tab: it takes her seat, and the first tab
// stops instead of taking it back (two tabs must not fight over one seat).
{
  const ana = students[0];
  const second = watch(await ana.ctx.newPage(), "Ana's second tab");
  await second.goto(new URL(`/play/${code}`, base).href);
  await visible(second, "#lobby");
  await visible(ana.page, "#gone");
  check((await text(ana.page, "#gone-text")).includes("another tab"), "a replaced tab says the game is open elsewhere");
  await ana.page.waitForTimeout(1500);
  check(await second.locator("#lobby").isVisible(), "the second tab keeps the seat: the first does not reconnect");
  await ana.page.reload();
  await visible(ana.page, "#lobby");
  await visible(second, "#gone");
  await second.close();
}
await host.locator("#player-count", { hasText: "3" }).waitFor({ timeout: 15000 });
const names = await host.locator("#players li span").allInnerTexts();
check(STUDENTS.every((n) => names.includes(n)), `the host lists every player: ${names}`);
await shot(host, "live-host-lobby");
await shot(students[0].page, "live-student-lobby");

// ----- the game -----
await host.click("#start");
const verdicts = { Ana: [], Ben: [], "<b>Cy</b>": [] };
for (let q = 0; q < 4; q += 1) {
  await visible(host, "#question");
  await host.locator("#q-number", { hasText: `Question ${q + 1} of 4` }).waitFor();
  const prompt = await text(host, "#q-prompt");
  check(prompt in RIGHT, `a known question: ${prompt}`);
  for (const s of students) {
    await s.page.locator("#pq-number", { hasText: `Question ${q + 1} of 4` }).waitFor({ timeout: 15000 });
    check((await text(s.page, "#pq-prompt")) === prompt, `${s.name} sees the same question`);
    check(await s.page.locator("#res-correct:visible").count() === 0, "no answer is shown before the reveal");
  }
  if (q === 0) {
    await shot(host, "live-host-question");
    await shot(students[0].page, "live-student-question");
    await shot(students[1].page, "live-student-question-dark");
    await axe(host, "host question");
    await axe(students[0].page, "student question (light)");
    await axe(students[1].page, "student question (dark)");
    await layout(students[0].page, "student question");
    // Ben reloads his page: he is back on the same question, same name.
    await students[1].page.reload();
    await students[1].page.locator("#pq-number", { hasText: "Question 1 of 4" }).waitFor({ timeout: 15000 });
    check((await text(students[1].page, "#pq-prompt")) === prompt, "after a reload the question is back");
  }
  for (const s of students) {
    const right = s.name === "Ana" || (s.name === "Ben" && q < 2);
    const label = (right ? RIGHT : WRONG)[prompt];
    await s.page.locator("label.choice", { hasText: label }).first().click();
    await s.page.click("#submit");
    // Locked, or already past it: the last answer closes the question at once.
    await waitFor(async () => (await s.page.locator("#locked .locked-title", { hasText: "Answer locked" }).isVisible())
      || (await s.page.locator("#result").isVisible()), `${s.name}'s answer to be locked`);
    verdicts[s.name].push(right ? "correct" : "incorrect");
  }
  if (q === 1) {
    // A reload after everyone answered: the result comes back, no typing.
    await visible(students[0].page, "#result");
    await students[0].page.reload();
    await visible(students[0].page, "#result");
    check((await text(students[0].page, "#res-heading")) === "Correct", "after a reload the result is back");
  }
  // Everyone answered: the server reveals by itself.
  await visible(host, "#reveal-view");
  check((await text(host, "#r-correct")).includes(RIGHT[prompt]), "the reveal shows the correct answer");
  check((await host.locator("#r-bars li").count()) >= 3, "the reveal shows the distribution");
  check((await text(host, "#r-explanation")).length > 0, "the reveal shows the explanation");
  const rightBar = await text(host, "#r-bars li.right .bar-count");
  const rightCount = 1 + (q < 2 ? 1 : 0);
  check(rightBar.startsWith(String(rightCount)), `the right answer's bar counts ${rightCount}: ${rightBar}`);
  for (const s of students) {
    await visible(s.page, "#result");
    const want = verdicts[s.name][q] === "correct" ? "Correct" : "Incorrect";
    check((await text(s.page, "#res-heading")) === want, `${s.name} sees ${want}`);
    check((await text(s.page, "#res-rank")).startsWith("You are #"), `${s.name} sees a rank`);
  }
  if (q === 0) {
    if (await host.locator("#r-source-wrap").isVisible()) check((await text(host, "#r-source")).length > 0, "the source quote is shown");
    await shot(host, "live-host-reveal");
    await shot(students[0].page, "live-student-result");
    await shot(students[2].page, "live-student-result-wrong");
    await axe(host, "host reveal");
    await axe(students[0].page, "student result");
  }
  await host.click("#next");
  if (q < 3) {
    await visible(host, "#leaderboard");
    const top = await host.locator("#board li .n").allInnerTexts();
    check(top[0] === "Ana", `Ana leads the leaderboard: ${top}`);
    check(top.includes("<b>Cy</b>"), "markup in a nickname is shown as text");
    for (const s of students) await visible(s.page, "#board-view");
    if (q === 0) {
      await shot(host, "live-host-leaderboard");
      await axe(host, "host leaderboard");
      await axe(students[2].page, "student leaderboard");
    }
    await host.click("#next2");
  }
}

// ----- the end -----
await visible(host, "#ended");
const podium = await host.locator("#podium .who").allInnerTexts();
check(podium[0] === "Ana" && podium[1] === "Ben" && podium[2] === "<b>Cy</b>", `podium: ${podium}`);
const boardScores = {};
for (const li of await host.locator("#final-board li").all()) {
  boardScores[await li.locator(".n").innerText()] = Number((await li.locator(".s").innerText()).replace(/\D/g, ""));
}
await shot(host, "live-host-podium");
await axe(host, "host podium");
for (const [i, s] of students.entries()) {
  await visible(s.page, "#final");
  check((await text(s.page, "#fin-rank")) === `You finished #${i + 1} of 3`, `${s.name} finished #${i + 1}`);
}
await shot(students[0].page, "live-student-final");
await axe(students[0].page, "student final");

// The CSV, downloaded as the host would.
const [download] = await Promise.all([host.waitForEvent("download"), host.click("#csv")]);
const csv = readFileSync(await download.path(), "utf8").replace(/^\uFEFF/, "");
const lines = csv.trim().split(/\r?\n/);
check(lines[0].startsWith("rank,nickname,score,correct,answered,status,q1 answer,q1 result,q1 points,q1 time (s)"), `CSV header: ${lines[0]}`);
check(lines.length === 4, "one CSV row per player");
const rows = lines.slice(1).map((l) => l.split(","));
for (const [i, name] of STUDENTS.entries()) {
  const row = rows[i];
  check(row[1] === name, `CSV row ${i + 1} is ${name}: ${row[1]}`);
  check(row[0] === String(i + 1), `${name} ranks ${i + 1} in the CSV`);
  check(Number(row[2]) === boardScores[name], `${name}'s CSV score ${row[2]} matches the podium ${boardScores[name]}`);
  for (let q = 0; q < 4; q += 1) {
    check(row[7 + 4 * q] === verdicts[name][q], `${name} q${q + 1}: ${row[7 + 4 * q]} in the CSV, ${verdicts[name][q]} played`);
  }
}

// Results and past rooms.
await host.goto(new URL(`/host/${code}/results`, base).href);
check((await text(host, "h1")).startsWith("Results"), "the results page opens with the owner cookie");
check((await host.locator("section.card").count()) === 4, "statistics for every question");
await axe(host, "results page");
await shot(host, "live-results");
await host.goto(new URL("/host", base).href);
check((await host.locator(`table a[href="/host/${code}/results"]`).count()) === 1, "the room is listed among past rooms");

// The host page in dark mode, on a fresh screen that reconnects by itself.
const dark = await newContext({ colorScheme: "dark" });
const darkHost = watch(await dark.newPage(), "dark host");
await darkHost.goto(new URL("/host", base).href);
await axe(darkHost, "new room form (dark)");

await browser.close();
check(external.length === 0, `requests left the server: ${external.join(", ")}`);
if (problems.length) {
  for (const p of problems) console.error(p);
  throw new Error(`${problems.length} script or console error(s)`);
}
log(`${checks} checks passed; axe clean on: ${scanned.join(", ")}`);
