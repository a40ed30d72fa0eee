// End-to-end self-test in a real headless Chromium (Debian's package).
//
//   node tests/e2e/selftest.mjs http://127.0.0.1:PORT/
//
// The server must offer tests/fixtures/web-all-kinds.ron ("The race to the
// Moon"): the script knows that set's answers, as a student who studied it
// would, and answers by the texts on screen, whatever order they are shown in.
// It takes a whole quiz (the ordering question by keyboard only, the rest by
// mouse), checks feedback and score, reloads mid-quiz, resumes from the
// history, tries the missed questions again, uses the time limit, answers with
// JavaScript off, and runs axe-core on every kind of page, in light and dark.
// Screenshots go to $QUIZLINE_E2E_SHOTS (default /tmp/quizline-e2e).

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

const SET_TITLE = "The race to the Moon";
const ANSWERS = {
  "Which mission first landed people on the Moon?": { kind: "single-choice", pick: ["Apollo 11"] },
  // Half right on purpose: one of the two walkers.
  "Who walked on the Moon during Apollo 11?": { kind: "multi-select", pick: ["Neil Armstrong"], expect: "Partly correct", points: "1 of 2 points" },
  // Wrong on purpose.
  "The lunar module of Apollo 11 was called Eagle.": { kind: "true-false", pick: ["False"], expect: "Incorrect", points: "0 of 1 point" },
  "In which year did Apollo 11 land on the Moon?": { kind: "numeric", type: "1969" },
  "Put these missions in the order they flew.": { kind: "ordering", order: ["Sputnik 1", "Vostok 1", "Apollo 8", "Apollo 11"], points: "2 of 2 points" },
  "Which came first?": { kind: "before-after", pick: ["The first woman in space"] },
  "Match each astronaut with their role on Apollo 11.": {
    kind: "matching",
    pairs: { "Neil Armstrong": "Commander", "Michael Collins": "Command module pilot", "Buzz Aldrin": "Lunar module pilot" },
    points: "3 of 3 points",
  },
  "Fill in the name of the landing site.": { kind: "cloze", type: "tranquility" },
};
// 1 + 1 + 0 + 1 + 2 + 1 + 3 + 1 of 12.
const EXPECTED_SCORE = { score: "10", max: "12", percent: "83%" };

let checks = 0;
const scanned = [];
const problems = [];

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
  checks += 1;
}

function log(message) {
  console.log(`e2e: ${message}`);
}

const browser = await chromium.launch({
  executablePath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

// Every context refuses requests to anywhere but the server under test, and
// remembers them: the app must never need one.
const external = [];
async function newContext(options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: "light",
    ...options,
  });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.host === base.host) {
      return route.continue();
    }
    external.push(url.href);
    return route.abort();
  });
  return context;
}

function watch(page) {
  page.on("pageerror", (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    // The 404 page's own status is reported as a failed load; that one is meant.
    const expected = m.text().includes("status of 404") && page.url().includes("/no/such/page");
    if (m.type() === "error" && !expected) {
      problems.push(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  return page;
}

// axe-core on the page as it is: zero serious or critical violations.
async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result.violations) {
    const where = v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ");
    const line = `axe ${name}: ${v.impact} ${v.id}: ${v.help} (${where})`;
    if (bad.includes(v)) {
      console.error(line);
    } else {
      log(`note: ${line}`);
    }
  }
  check(bad.length === 0, `axe found ${bad.length} serious or critical violation(s) on ${name}`);
  scanned.push(name);
}

// Every control is at least 24 by 24 CSS pixels (WCAG 2.5.8), and nothing
// makes the page scroll sideways.
async function layout(page, name) {
  const small = await page.evaluate(() =>
    Array.from(document.querySelectorAll("button, .button, input:not([type=hidden]), select, label.option, label.check, nav a"))
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

async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, " ").trim();
}

async function kindOf(page) {
  const cls = await page.locator("form.question").getAttribute("class");
  return /kind-([a-z-]+)/.exec(cls)[1];
}

async function prompt(page) {
  return text(page, "h1.prompt");
}

// Presses Tab until `matches(activeElement)` holds.
async function tabTo(page, matches, arg, what) {
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(matches, arg)) {
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      check(outline !== "none", `${what} has no visible focus outline`);
      return;
    }
  }
  throw new Error(`Tab never reached ${what}`);
}

function optionByText(page, label) {
  return page.locator("label.option").filter({ has: page.locator(".option-text").getByText(label, { exact: true }) });
}

// Answers the question on `page`: the ordering question by keyboard only,
// everything else with the mouse.
async function answer(page, spec) {
  switch (spec.kind) {
    case "single-choice":
    case "before-after":
    case "true-false":
    case "multi-select":
      for (const label of spec.pick) {
        await optionByText(page, label).click();
      }
      break;
    case "numeric":
      await page.locator("#answer-number").click();
      await page.keyboard.type(spec.type);
      break;
    case "cloze":
      await page.locator("#answer-text").click();
      await page.keyboard.type(spec.type);
      break;
    case "matching":
      for (const [left, right] of Object.entries(spec.pairs)) {
        const row = page.locator(".match-row").filter({ hasText: left });
        const value = await row.locator("option").evaluateAll(
          (options, want) => options.find((o) => o.textContent.replace(/^\d+\)\s*/, "").trim() === want)?.value,
          right,
        );
        await row.locator("select").click();
        await row.locator("select").selectOption(value);
      }
      break;
    case "ordering": {
      // Keyboard only: Tab to an item's "Up" button, Enter until it is in
      // place, and so on from the first place down; then Tab to the submit
      // button and press Enter.
      for (let k = 0; k < spec.order.length; k += 1) {
        const item = spec.order[k];
        const at = await page.locator(".order-item .order-text").evaluateAll((els, want) => els.findIndex((e) => e.textContent.trim() === want), item);
        if (at === k) {
          continue;
        }
        await tabTo(
          page,
          (want) => {
            const el = document.activeElement;
            return el.matches("button[data-move=up]") && el.closest(".order-item").querySelector(".order-text").textContent.trim() === want;
          },
          item,
          `the Up button of ${item}`,
        );
        for (let step = at; step > k; step -= 1) {
          await page.keyboard.press("Enter");
        }
      }
      const shown = await page.locator(".order-item .order-text").allInnerTexts();
      check(JSON.stringify(shown.map((s) => s.trim())) === JSON.stringify(spec.order), `the list shows ${shown}`);
      const positions = await page.locator(".order-item select").evaluateAll((els) => els.map((e) => e.value));
      check(positions.join() === "1,2,3,4", `the position menus follow the list: ${positions}`);
      await page.waitForFunction(() => /moved to position/.test(document.querySelector(".order-live").textContent), null, { timeout: 2000 });
      check(true, "moves are announced to screen readers");
      await tabTo(page, () => document.activeElement.matches("form.question button[type=submit]"), null, "the submit button");
      await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
      return;
    }
    default:
      throw new Error(`unknown kind ${spec.kind}`);
  }
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Check my answer" }).click()]);
}

async function main() {
  const context = await newContext();
  const page = watch(await context.newPage());

  // Home
  await page.goto(base.href);
  check((await page.title()).includes("Question sets"), "home title");
  check((await page.locator("html").getAttribute("lang")) === "en", "lang attribute");
  const card = page.locator(".card").filter({ hasText: SET_TITLE });
  check((await card.innerText()).includes("8 questions"), "the set card shows its number of questions");
  check((await card.innerText()).includes("Fill in the blank"), "the set card shows its kinds");
  await axe(page, "home");
  await layout(page, "home");
  await shot(page, "home-desktop-light");

  // The skip link is the first thing the keyboard reaches, and works.
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.classList.contains("skip-link")), "skip link first in tab order");
  await page.keyboard.press("Enter");
  check(await page.evaluate(() => location.hash === "#main"), "skip link goes to the main content");

  // Start
  await card.getByRole("link").click();
  await page.waitForURL(/\/sets\//);
  check(await page.locator("#timer-off").isChecked(), "the timer is off by default");
  await axe(page, "start");
  await layout(page, "start");
  await page.locator("#count").fill("8");
  await Promise.all([page.waitForURL(/\/questions\/1$/), page.getByRole("button", { name: "Start the test" }).click()]);
  const attemptUrl = page.url().replace(/\/questions\/1$/, "");
  log(`attempt ${attemptUrl}`);

  const seenKinds = new Set();
  const feedbackScanned = new Set();
  for (let n = 1; n <= 8; n += 1) {
    check(page.url().endsWith(`/questions/${n}`), `on question ${n}: ${page.url()}`);
    const kind = await kindOf(page);
    const q = await prompt(page);
    const spec = ANSWERS[q];
    check(spec && spec.kind === kind, `question "${q}" is known and of kind ${kind}`);
    check(!seenKinds.has(kind), `kind ${kind} asked once`);
    seenKinds.add(kind);
    check((await page.locator("fieldset legend h1").count()) === 1, `${kind}: the prompt is the fieldset's legend`);
    await axe(page, `question (${kind})`);
    await layout(page, `question (${kind})`);
    if (["single-choice", "ordering", "matching"].includes(kind)) {
      await shot(page, `question-${kind}-desktop-light`);
    }

    if (n === 3) {
      // Reload mid-quiz: the same question, its options in the same order.
      const before = await page.locator("form.question").innerText();
      await page.reload();
      check(page.url().endsWith(`/questions/${n}`), "a reload stays on the question");
      check((await page.locator("form.question").innerText()) === before, "a reload shows the same question the same way");
    }

    await answer(page, spec);
    check(/\/questions\/\d+\/feedback$/.test(page.url()), `after answering ${kind}, feedback: ${page.url()}`);
    const status = await text(page, "[role=status]");
    const expect = spec.expect ?? "Correct";
    check(status.startsWith(expect) || status.includes(` ${expect} `), `${kind}: feedback says ${expect}: "${status}"`);
    check(status.includes("Correct answer"), `${kind}: feedback gives the correct answer`);
    check(status.includes("Why"), `${kind}: feedback explains`);
    check(status.includes("From the source text"), `${kind}: feedback quotes the source`);
    if (spec.points) {
      check(status.includes(spec.points), `${kind}: feedback gives ${spec.points}: "${status}"`);
    }
    if (!feedbackScanned.has(expect)) {
      feedbackScanned.add(expect);
      await axe(page, `feedback (${expect})`);
      await layout(page, `feedback (${expect})`);
      await shot(page, `feedback-${expect.replace(/ /g, "-").toLowerCase()}-desktop-light`);
    }

    if (n === 4) {
      // Leave mid-quiz, come back through the history.
      await page.goto(new URL("/", base).href);
      await page.getByRole("link", { name: "My attempts" }).click();
      await page.waitForURL(/\/history$/);
      const row = page.locator("tbody tr").filter({ hasText: SET_TITLE }).first();
      check((await row.innerText()).includes("In progress"), "the history shows the attempt in progress");
      check((await row.innerText()).includes("4 of 8"), "the history shows 4 of 8 answered");
      await Promise.all([page.waitForURL(/\/questions\/5$/), row.getByRole("link").click()]);
      log("resumed from the history at question 5");
      continue;
    }
    if (n < 8) {
      await Promise.all([page.waitForURL(/\/questions\/\d+$/), page.getByRole("link", { name: "Next question" }).click()]);
    }
  }
  check(seenKinds.size === 8, `all eight kinds asked: ${[...seenKinds]}`);

  // Results
  await Promise.all([page.waitForURL(/\/results$/), page.getByRole("link", { name: "See your results" }).click()]);
  const score = await text(page, ".score");
  check(score.startsWith(`${EXPECTED_SCORE.score} of ${EXPECTED_SCORE.max} points`), `score: "${score}"`);
  check(score.includes(EXPECTED_SCORE.percent), `percentage: "${score}"`);
  const tally = await text(page, ".tally");
  check(tally.includes("6 correct") && tally.includes("1 partly correct") && tally.includes("1 incorrect"), `tally: "${tally}"`);
  check((await page.locator(".review > li").count()) === 8, "the review lists every question");
  await axe(page, "results");
  await layout(page, "results");
  await shot(page, "results-desktop-light");

  // History
  await page.getByRole("link", { name: "My attempts" }).first().click();
  await page.waitForURL(/\/history$/);
  const row = page.locator("tbody tr").filter({ hasText: SET_TITLE }).first();
  const rowText = await row.innerText();
  check(rowText.includes("Finished") && rowText.includes("10 of 12"), `the history shows the finished attempt: "${rowText}"`);
  await axe(page, "history");
  await layout(page, "history");
  await shot(page, "history-desktop-light");

  // Try the ones I missed again: the partly right and the wrong one.
  await page.goto(`${attemptUrl}/results`);
  await Promise.all([page.waitForURL(/\/questions\/1$/), page.getByRole("button", { name: /Try the ones I missed again/ }).click()]);
  check((await text(page, "legend .caption")).includes("Question 1 of 2"), "the retry has the two missed questions");
  const retryUrl = page.url();
  const retryPrompts = new Set([await prompt(page)]);
  await answer(page, { ...ANSWERS[await prompt(page)], ...fullyRight(await prompt(page)) });
  await page.getByRole("link", { name: "Next question" }).click();
  await page.waitForURL(/\/questions\/2$/);
  retryPrompts.add(await prompt(page));
  check(
    retryPrompts.has("Who walked on the Moon during Apollo 11?") && retryPrompts.has("The lunar module of Apollo 11 was called Eagle."),
    `the retry asks the missed questions: ${[...retryPrompts]}`,
  );

  // 404
  await page.goto(new URL("/no/such/page", base).href);
  check((await text(page, "h1")) === "Page not found", "404 page");
  await axe(page, "404");

  // Other screens and themes: the retry's open question, and the results.
  const views = [
    { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light", isMobile: true, hasTouch: true },
    { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark", isMobile: true, hasTouch: true },
    { name: "desktop-dark", viewport: { width: 1280, height: 900 }, colorScheme: "dark" },
  ];
  // The same browser (its cookie) on another screen.
  const storageState = await context.storageState();
  for (const view of views) {
    const { name, ...options } = view;
    const ctx = await newContext({ ...options, storageState });
    const p = watch(await ctx.newPage());
    await p.goto(retryUrl.replace(/\/1$/, "/2"));
    await axe(p, `question (${name})`);
    await layout(p, `question (${name})`);
    await shot(p, `question-${name}`);
    await p.goto(`${attemptUrl}/results`);
    await axe(p, `results (${name})`);
    await layout(p, `results (${name})`);
    await shot(p, `results-${name}`);
    await p.goto(`${attemptUrl}/questions/5/feedback`);
    await axe(p, `feedback (${name})`);
    await ctx.close();
  }

  await timeLimit();
  await withoutJavaScript();
  await context.close();
}

function fullyRight(promptText) {
  if (promptText.startsWith("Who walked")) {
    return { pick: ["Neil Armstrong", "Buzz Aldrin"] };
  }
  if (promptText.startsWith("The lunar module")) {
    return { pick: ["True"] };
  }
  return {};
}

// A one-minute limit: the warning shows at once, and more time can be added.
async function timeLimit() {
  const context = await newContext();
  const page = watch(await context.newPage());
  await page.goto(new URL("/", base).href);
  await page.locator(".card").filter({ hasText: SET_TITLE }).getByRole("link").click();
  await page.waitForURL(/\/sets\//);
  await page.locator("#count").fill("2");
  await page.getByLabel("Time limit", { exact: true }).check();
  await page.locator("#minutes").fill("1");
  await Promise.all([page.waitForURL(/\/questions\/1$/), page.getByRole("button", { name: "Start the test" }).click()]);
  const warning = page.locator(".timer-warning");
  await warning.filter({ hasText: "Less than a minute left" }).waitFor({ timeout: 5000 });
  check((await warning.getAttribute("role")) === "alert", "the time warning is an alert");
  await axe(page, "question with a time limit");
  await shot(page, "question-time-limit-desktop-light");
  await Promise.all([page.waitForURL(/\/questions\/1$/), page.getByRole("button", { name: "Add 5 minutes" }).click()]);
  const left = await text(page, ".timer-remaining");
  const minutes = Number(/^(\d+) min/.exec(left)?.[1] ?? 0);
  check(minutes >= 5, `five more minutes: "${left}" left`);
  await Promise.all([page.waitForURL(/\/questions\/1$/), page.getByRole("button", { name: "Remove the time limit" }).click()]);
  check((await page.locator(".timer").count()) === 0, "the time limit can be removed");
  await context.close();
}

// The same forms with JavaScript off: plain POST, redirect, GET.
async function withoutJavaScript() {
  const context = await newContext({ javaScriptEnabled: false });
  const page = watch(await context.newPage());
  await page.goto(new URL("/", base).href);
  await page.locator(".card").filter({ hasText: SET_TITLE }).getByRole("link").click();
  await page.waitForURL(/\/sets\//);
  for (const box of await page.locator("input[name=kind]").all()) {
    if ((await box.getAttribute("value")) !== "ordering") {
      await box.uncheck();
    }
  }
  await page.locator("#count").fill("1");
  await Promise.all([page.waitForURL(/\/questions\/1$/), page.getByRole("button", { name: "Start the test" }).click()]);
  check((await page.locator("button[data-move]").count()) === 0, "without JavaScript there are no move buttons");
  const order = ANSWERS["Put these missions in the order they flew."].order;
  for (const row of await page.locator(".order-item").all()) {
    const label = (await row.locator(".order-text").innerText()).trim();
    await row.locator("select").selectOption(String(order.indexOf(label) + 1));
  }
  await Promise.all([page.waitForURL(/feedback$/), page.getByRole("button", { name: "Check my answer" }).click()]);
  const status = await text(page, "[role=status]");
  check(status.includes("✓ Correct"), `ordering by position menus, without JavaScript: "${status}"`);
  await context.close();
}

try {
  await main();
  check(external.length === 0, `requests left the machine: ${external.join(", ")}`);
  check(problems.length === 0, problems.join("\n"));
  log(`axe scanned ${scanned.length} pages: ${scanned.join(", ")}`);
  console.log(`e2e: ${checks} passed, 0 failed`);
  await browser.close();
} catch (e) {
  console.error(`e2e: FAILED: ${e.message}`);
  for (const p of problems) {
    console.error(`e2e: ${p}`);
  }
  await browser.close();
  process.exit(1);
}
