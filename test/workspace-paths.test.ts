import { describe, expect, it } from "vitest";
import { AuditTrail } from "../src/audit/index.ts";
import { normalizePath, PATH_LIMITS, Workspaces } from "../src/runtime/workspace.ts";

/** The reason a path is refused for, failing the test if it is accepted. */
function refusal(path: unknown, allowRoot = false): string {
  const checked = normalizePath(path, allowRoot);
  if (checked.ok)
    throw new Error(`expected ${JSON.stringify(path)} to be refused, got ${checked.path}`);
  return checked.reason;
}

describe("normalizePath", () => {
  it("shows that plain relative paths normalize: empty and '.' segments and trailing slashes go", () => {
    expect(normalizePath("notes.txt")).toEqual({ ok: true, path: "notes.txt" });
    expect(normalizePath("a//b/./c/")).toEqual({ ok: true, path: "a/b/c" });
    expect(normalizePath("./a")).toEqual({ ok: true, path: "a" });
    expect(normalizePath("données/été.md")).toEqual({ ok: true, path: "données/été.md" });
    expect(normalizePath(".hidden/file-1_2+3=4@5,6#7")).toEqual({
      ok: true,
      path: ".hidden/file-1_2+3=4@5,6#7",
    });
    expect(normalizePath(".", true)).toEqual({ ok: true, path: "" });
  });

  it("shows that '..' is refused wherever it stands, even where it would stay inside", () => {
    for (const path of ["..", "../x", "a/../../x", "a/../b", "a/..", "./../x", "a//..//b"]) {
      expect(refusal(path)).toMatch(/parent segment/);
    }
  });

  it("shows that absolute paths and home references are refused", () => {
    expect(refusal("/etc/passwd")).toMatch(/absolute/);
    expect(refusal("//server/share")).toMatch(/absolute/);
    expect(refusal("~/x")).toMatch(/home/);
    expect(refusal("~other/x")).toMatch(/home/);
    expect(refusal("C:/Windows")).toMatch(/colon/);
    expect(refusal("file:///etc/passwd")).toMatch(/colon/);
    expect(refusal("notes.txt:stream")).toMatch(/colon/);
  });

  it("shows that backslashes, NUL and other control characters are refused", () => {
    expect(refusal("..\\x")).toMatch(/backslash/);
    expect(refusal("a\\b")).toMatch(/backslash/);
    expect(refusal("x\u0000.txt")).toMatch(/control character U\+0000/);
    expect(refusal("x\n")).toMatch(/control character U\+000A/);
    expect(refusal("x\u007f")).toMatch(/control character U\+007F/);
    expect(refusal("x\u0085")).toMatch(/control character U\+0085/);
  });

  it("shows that percent-encoded characters are refused, double encodings included", () => {
    for (const path of [
      "%2e%2e/x",
      "%2E%2E%2Fx",
      "..%2fx",
      "%252e%252e/x",
      "%c0%ae%c0%ae/x",
      "%u002e%u002e/x",
    ]) {
      expect(refusal(path)).toMatch(/percent-encoded/);
    }
  });

  it("shows that fullwidth and other NFKC-changing look-alikes are refused", () => {
    const tricks = [
      "\uff0e\uff0e/x", // fullwidth full stops
      "..\uff0fx", // fullwidth solidus
      "\uff0e\uff0e\uff0fx",
      "\u2025/x", // two dot leader, NFKC ".."
      "\u2024\u2024/x", // one dot leader
      "\ufe52\ufe52/x", // small full stop
      "a\u00a0b", // no-break space
      "\ufb01le", // "fi" ligature
      "e\u0301te.md", // decomposed accent (NFC differs)
      "\uff41dmin", // fullwidth a
      "\u2126", // ohm sign, NFKC omega
      "..\ufe68x", // small reverse solidus
    ];
    for (const path of tricks) {
      expect(refusal(path), JSON.stringify(path)).toMatch(/NFKC|look-alike/);
    }
  });

  it("shows that look-alikes of slashes and dots that survive NFKC are refused", () => {
    for (const path of ["..\u2215x", "..\u2044x", "..\u29f8x", "\u3002\u3002/x", ".\u0338./x"]) {
      expect(refusal(path), JSON.stringify(path)).toMatch(/look-alike/);
    }
  });

  it("shows that zero-width, bidi and other invisible characters are refused", () => {
    const tricks = [
      "\u200b../x",
      ".\u200b./x",
      "a\u200cb",
      "a\u200db",
      "\ufeffx",
      "x\u202etxt.exe",
      "a\u00adb",
      "a\u2028b",
      "a\u034fb",
      "a\ufe0fb",
      "\u3164",
      "x\ud800",
    ];
    for (const path of tricks) {
      expect(refusal(path), JSON.stringify(path)).toMatch(/invisible or unpaired/);
    }
  });

  it("shows that segments a file system would trim are refused", () => {
    expect(refusal(".. /x")).toMatch(/spaces/);
    expect(refusal(" x")).toMatch(/spaces/);
    expect(refusal("x./y")).toMatch(/dot/);
    expect(refusal(".../x")).toMatch(/dot/);
  });

  it("shows that empty, root and over-long paths are refused at the documented limits", () => {
    expect(refusal("")).toMatch(/empty/);
    expect(refusal(".")).toMatch(/root/);
    expect(refusal("./")).toMatch(/root/);
    expect(refusal(42)).toMatch(/string/);
    const segment = "s".repeat(PATH_LIMITS.maxSegmentChars);
    expect(normalizePath(segment).ok).toBe(true);
    expect(refusal(`${segment}s`)).toMatch(/segment longer than 255/);
    const deep = Array.from({ length: PATH_LIMITS.maxDepth }, () => "d").join("/");
    expect(normalizePath(deep).ok).toBe(true);
    expect(refusal(`${deep}/d`)).toMatch(/deeper than 32/);
    expect(refusal("x/".repeat(600))).toMatch(/longer than 1024/);
  });
});

describe("Workspaces refusals", () => {
  it("shows that a path naming another run's namespace is refused and audited as a denial", () => {
    const trail = new AuditTrail();
    const ws = new Workspaces(trail);
    ws.open("run-1");
    ws.open("run-2");
    const caller = {
      run: "run-1",
      actor: trail.actor({ run: "run-1", job: "j", tenant: "t", authorizedBy: "boss" }),
    };
    const denied = ws.read(0, caller, "run-2/secret");
    expect(denied).toEqual({
      ok: false,
      reason: 'names another run\'s namespace ("run-2")',
      denied: true,
    });
    expect(ws.write(0, caller, "./run-2//x", "data").ok).toBe(false);
    expect(ws.write(0, caller, "run-1/x", "mine").ok).toBe(true);
    expect(ws.read(1, caller, "nothing-here")).toEqual({
      ok: false,
      reason: "no such file",
      denied: false,
    });
    expect(trail.records().map((r) => [r.action, r.target, r.decision, r.detail])).toEqual([
      ["workspace.read", "run-2/secret", "deny", 'names another run\'s namespace ("run-2")'],
      ["workspace.write", "./run-2//x", "deny", 'names another run\'s namespace ("run-2")'],
      ["workspace.write", "run-1/x", "ok", ""],
      ["workspace.read", "nothing-here", "error", "no such file"],
    ]);
  });

  it("shows that misuse throws: an unopened run, a run opened twice, non-string data", () => {
    const trail = new AuditTrail({ mode: "summary" });
    const ws = new Workspaces(trail);
    ws.open("a");
    const caller = {
      run: "b",
      actor: trail.actor({ run: "b", job: "j", tenant: "t", authorizedBy: "x" }),
    };
    expect(() => ws.read(0, caller, "x")).toThrow(/run "b" has no open workspace/);
    expect(() => ws.open("a")).toThrow(/already opened/);
    const a = { run: "a", actor: caller.actor };
    expect(() => ws.write(0, a, "x", 5 as unknown as string)).toThrow(/data must be a string/);
    ws.close("a");
    expect(() => ws.read(0, a, "x")).toThrow(/no open workspace/);
  });

  it("shows that list returns the caller's paths under a directory, sorted", () => {
    const trail = new AuditTrail();
    const ws = new Workspaces(trail);
    ws.open("r");
    const r = {
      run: "r",
      actor: trail.actor({ run: "r", job: "j", tenant: "t", authorizedBy: "x" }),
    };
    for (const p of ["b/2", "a", "b/1", "bb/3"]) ws.write(0, r, p, p);
    expect(ws.list(0, r)).toEqual({ ok: true, value: ["a", "b/1", "b/2", "bb/3"] });
    expect(ws.list(0, r, "b/")).toEqual({ ok: true, value: ["b/1", "b/2"] });
    expect(ws.list(0, r, "../")).toMatchObject({ ok: false, denied: true });
    expect(ws.delete(0, r, "a")).toEqual({ ok: true, value: "a" });
    expect(ws.delete(0, r, "a")).toEqual({ ok: false, reason: "no such file", denied: false });
    expect([...ws.files("r").keys()]).toEqual(["b/1", "b/2", "bb/3"]);
  });
});
