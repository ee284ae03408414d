// The visitor self-service page: shows what is stored under this browser's
// pseudonymous id today (GET /api/me) and erases it (DELETE /api/me).
(() => {
  "use strict";
  // The page's words in its language (<html lang>); Finnish by default.
  const words = {
    fi: {
      locale: "fi-FI", loading: "Haetaan tietoja…", unreachable: "palvelimeen ei saatu yhteyttä.",
      failed: (what) => what + " ei onnistunut", fetch: "Tietojen haku", erase: "Poisto",
      none: (day) => "Selaimesi tämän päivän (" + day + ") tunnisteella ei ole tallennettu sivulatauksia.",
      some: (day, id, n) => "Selaimesi tämän päivän (" + day + ") tunnisteella " + id + " on tallennettu " + n + (n === 1 ? " sivulataus." : " sivulatausta."),
      confirm: "Poistetaanko kaikki selaimesi tänään tallennetut sivuvierailutiedot? Poistoa ei voi perua.",
      deleted: (pv, lv) => "Poistettu " + pv + " sivulatausta ja " + lv + " kestotietoa.",
      optOut: "Älä tilastoi tätä selainta", optIn: "Tilastoi tätä selainta taas",
      optedOut: "Tätä selainta ei tilastoida tällä sivustolla: sen sivulatauksia ei lähetetä palvelimelle. Valinta on tallennettu vain selaimeesi (ei evästettä).",
      optedIn: "Tämän selaimen sivulataukset tilastoidaan tietosuojaselosteen mukaisesti.",
      noStorage: "Selaimesi ei salli paikallista tallennusta, joten valintaa ei voi tallentaa.",
      withdraw: "Peru suostumus", askAgain: "Kysy minulta uudelleen", decline: "Kieltäydy tilastoinnista",
      agreed: "Olet suostunut tilastointiin tällä sivustolla. Voit perua suostumuksen milloin tahansa; peruminen lopettaa lähettämisen heti.",
      declined: "Et ole suostunut tilastointiin tällä sivustolla: tästä selaimesta ei lähetetä mitään. Jos haluat valita uudelleen, sivusto kysyy seuraavalla sivulla.",
      notAsked: "Et ole vielä vastannut suostumuspyyntöön: tästä selaimesta ei lähetetä mitään ennen kuin hyväksyt.",
    },
    sv: {
      locale: "sv-FI", loading: "Uppgifterna hämtas…", unreachable: "ingen förbindelse med servern.",
      failed: (what) => what + " misslyckades", fetch: "Hämtningen av uppgifterna", erase: "Raderingen",
      none: (day) => "Inga sidladdningar har sparats med dagens (" + day + ") identifierare för din webbläsare.",
      some: (day, id, n) => "Med dagens (" + day + ") identifierare " + id + " för din webbläsare har " + n + (n === 1 ? " sidladdning" : " sidladdningar") + " sparats.",
      confirm: "Vill du radera alla uppgifter om sidbesök som sparats i dag för din webbläsare? Raderingen kan inte ångras.",
      deleted: (pv, lv) => "Raderade " + pv + (pv === 1 ? " sidladdning" : " sidladdningar") + " och " + lv + (lv === 1 ? " uppgift" : " uppgifter") + " om besökets längd.",
      optOut: "Räkna inte den här webbläsaren", optIn: "Räkna den här webbläsaren igen",
      optedOut: "Den här webbläsaren räknas inte i statistiken på den här webbplatsen: dess sidladdningar skickas inte till servern. Valet sparas bara i din webbläsare (ingen kaka).",
      optedIn: "Den här webbläsarens sidladdningar räknas enligt dataskyddsbeskrivningen.",
      noStorage: "Din webbläsare tillåter inte lokal lagring, så valet kan inte sparas.",
      withdraw: "Återkalla samtycket", askAgain: "Fråga mig igen", decline: "Avböj statistiken",
      agreed: "Du har samtyckt till statistiken på den här webbplatsen. Du kan återkalla samtycket när som helst; då slutar sändningen genast.",
      declined: "Du har inte samtyckt till statistiken på den här webbplatsen: ingenting skickas från den här webbläsaren. Om du vill välja på nytt frågar webbplatsen på nästa sida.",
      notAsked: "Du har ännu inte svarat på begäran om samtycke: ingenting skickas från den här webbläsaren innan du godkänner.",
    },
    en: {
      locale: "en-GB", loading: "Fetching the data…", unreachable: "the server could not be reached.",
      failed: (what) => what + " failed", fetch: "Fetching the data", erase: "Deleting",
      none: (day) => "No page loads are stored under today's (" + day + ") identifier of your browser.",
      some: (day, id, n) => n + (n === 1 ? " page load is" : " page loads are") + " stored under today's (" + day + ") identifier " + id + " of your browser.",
      confirm: "Delete all page visit data stored today for your browser? This cannot be undone.",
      deleted: (pv, lv) => "Deleted " + pv + (pv === 1 ? " page load" : " page loads") + " and " + lv + (lv === 1 ? " duration." : " durations."),
      optOut: "Don't count this browser", optIn: "Count this browser again",
      optedOut: "This browser is not counted on this site: its page loads are not sent to the server. The choice is stored only in your browser (no cookie).",
      optedIn: "This browser's page loads are counted as the privacy notice describes.",
      noStorage: "Your browser does not allow local storage, so the choice cannot be saved.",
      withdraw: "Withdraw consent", askAgain: "Ask me again", decline: "Decline the statistics",
      agreed: "You have agreed to the statistics on this site. You can withdraw your consent at any time; withdrawing stops the sending at once.",
      declined: "You have not agreed to the statistics on this site: nothing is sent from this browser. To choose again, the site asks on the next page.",
      notAsked: "You have not answered the request for consent yet: nothing is sent from this browser until you accept.",
    },
  };
  const w = words[document.documentElement.lang] || words.fi;
  const root = document.getElementById("omat-tiedot");
  const site = root.dataset.site;
  const api = root.dataset.api + "/api/me" + (site ? "?site=" + encodeURIComponent(site) : "");
  const status = root.querySelector(".tila");
  const table = root.querySelector("table");
  const rows = table.querySelector("tbody");
  const refresh = root.querySelector("button.hae");
  const erase = root.querySelector("button.poista");

  // Each cell carries its column's name, for the phone layout's labels.
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const cell = (tr, text) => {
    const td = document.createElement("td");
    td.textContent = text || "–";
    td.dataset.label = heads[tr.cells.length] || "";
    tr.appendChild(td);
  };
  const join = (...parts) => parts.filter(Boolean).join(", ");
  const seconds = (ms) => ms == null ? "" : (ms / 1000).toLocaleString(w.locale, {maximumFractionDigits: 1}) + " s";

  const fail = async (what, r) => {
    status.textContent = w.failed(what) + (r ? " (" + r.status + "): " + (await r.text()).trim() : ": " + w.unreachable);
  };

  async function load(done) {
    status.textContent = w.loading;
    let r;
    try {
      r = await fetch(api, {cache: "no-store", credentials: "omit"});
    } catch (e) {
      return fail(w.fetch, null);
    }
    if (!r.ok) return fail(w.fetch, r);
    const d = await r.json();
    if (d.consent !== mode) { mode = d.consent; showOpt(); }
    rows.replaceChildren();
    for (const p of d.pageviews) {
      const tr = document.createElement("tr");
      const utm = [p.utm_source, p.utm_medium, p.utm_campaign, p.utm_term, p.utm_content].filter(Boolean).join(" / ");
      cell(tr, new Date(p.ts).toLocaleString(w.locale));
      cell(tr, p.path + (utm ? " (" + utm + ")" : ""));
      cell(tr, join(p.city, p.region, p.country));
      cell(tr, join(p.browser && (p.browser + " " + p.browser_version).trim(), p.os, p.device));
      cell(tr, seconds(p.duration_ms));
      cell(tr, p.referrer_host);
      rows.appendChild(tr);
    }
    const n = d.pageviews.length;
    table.hidden = erase.hidden = n === 0;
    status.textContent = (done ? done + " " : "") + (n === 0 ? w.none(d.day) : w.some(d.day, d.visitor, n));
  }

  // The visitor's choice: one key in this origin's local storage that the
  // tracker (s.js) reads before it sends anything. "1" declined, withdrawn
  // or opted out; "0" agreed (where the site asks for consent); none: not
  // asked yet. No cookie, nothing on the server. Where the site asks for
  // consent (GET /api/me says "consent":"required"), the page offers to
  // withdraw it, or to have the site's banner ask again.
  const optButton = root.querySelector("button.optout");
  const optStatus = root.querySelector(".optout-tila");
  const KEY = "seloste-opt-out";
  let mode = "";
  const choice = () => { try { return localStorage.getItem(KEY); } catch (e) { return undefined; } };
  const showOpt = () => {
    const c = choice();
    if (c === undefined) { optStatus.textContent = w.noStorage; optButton.hidden = true; return; }
    optButton.hidden = false;
    const out = c === "1";
    if (mode === "required" || c === "0") {
      optButton.textContent = out ? w.askAgain : c === "0" ? w.withdraw : w.decline;
      optStatus.textContent = out ? w.declined : c === "0" ? w.agreed : w.notAsked;
    } else {
      optButton.textContent = out ? w.optIn : w.optOut;
      optStatus.textContent = out ? w.optedOut : w.optedIn;
    }
  };
  optButton.addEventListener("click", () => {
    try {
      if (choice() === "1") localStorage.removeItem(KEY); else localStorage.setItem(KEY, "1");
    } catch (e) { /* shown by showOpt */ }
    showOpt();
  });
  showOpt();

  refresh.addEventListener("click", () => load());
  erase.addEventListener("click", async () => {
    if (!confirm(w.confirm)) return;
    let r;
    try {
      r = await fetch(api, {method: "DELETE", credentials: "omit"});
    } catch (e) {
      return fail(w.erase, null);
    }
    if (!r.ok) return fail(w.erase, r);
    const d = await r.json();
    load(w.deleted(d.deleted.pageviews, d.deleted.leaves));
  });
  load();
})();
