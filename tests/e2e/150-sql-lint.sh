#!/bin/bash
# 150-sql-lint: every query uses bound parameters.  Scans src/ for SQL
# assembled at run time and fails when it finds any:
#   printf    a printf-family call (g_strdup_printf, sqlite3_mprintf,
#             snprintf, g_string_append_printf, ...) whose format holds SQL;
#   prepare   an SQL argument of sqlite3_prepare*, sqlite3_exec or
#             kenchi_store_stmt (and of any function that passes its own
#             parameter on to one of those) that is not a string literal, a
#             macro of literals (or of such macros), a variable assigned only literals, or an
#             entry of a static table of literals;
#   concat    SQL keywords in a string glued on at run time (g_strconcat,
#             g_string_append, g_string_new, strcat, ...).
# The test proves itself: a planted file with each kind of assembly must be
# caught, and a clean one must pass.
. "$(dirname "$0")/../lib/tap.sh"

SRC=${KENCHI_SRCDIR:-$KT_TOP}/src
[ -d "$SRC" ] || bail "no source tree at $SRC"

# The allowlist: FILE|RULE|KEY, each entry matching exactly one finding.
# Keep it to constructions that SQLite cannot bind.
cat >"$KT_TMP/allow" <<'ALLOW'
# PRAGMA takes no parameters: the schema migration sets user_version to
# its own integer (i + 1, never input).  The printf and the exec of its result.
store/schema.c|printf|PRAGMA user_version = %d
store/schema.c|prepare|migrate:sqlite3_exec:sql
ALLOW

cat >"$KT_TMP/sqllint.py" <<'PY'
"""sqllint.py ROOT [ALLOWLIST]: SQL assembled from strings in C sources.
Prints one line per finding: FILE:LINE: RULE: detail  [key FILE|RULE|KEY]."""
import os, re, sys

root = sys.argv[1]
allow = []
if len(sys.argv) > 2:
    for l in open(sys.argv[2]):
        l = l.strip()
        if l and not l.startswith("#"):
            allow.append(l)

# SQL in a format or a glued string: upper-case keywords (as kenchi writes
# SQL), or the shapes of a statement in any case.
SQL_UPPER = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|PRAGMA|CREATE|DROP|ALTER|WHERE|FROM|JOIN|VALUES"
                       r"|ORDER\s+BY|GROUP\s+BY|LIMIT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|VACUUM|ATTACH|AND|OR|SET|INTO)\b")
SQL_SHAPE = re.compile(r"(?i)\b(select\b.+\bfrom\b|insert\s+(or\s+\w+\s+)?into\b|update\s+\w+\s+set\b|delete\s+from\b"
                       r"|create\s+(unique\s+)?(table|index|view|trigger)\b|drop\s+(table|index)\b|alter\s+table\b"
                       r"|pragma\s+\w+|where\s+\w+\s*(=|<|>|like|in\b|is\b))")
def sqlish(s, strict):
    """strict (formats, glued pieces): a keyword is enough, unless the text
    is plainly prose (lower-case words around it)."""
    if SQL_SHAPE.search(s):
        return True
    if strict:
        words = SQL_UPPER.findall(s)
        # One upper-case word in running prose ("OR", "SET") is not SQL;
        # two keywords, or one that only SQL spells, is.
        only_sql = {"SELECT", "INSERT", "UPDATE", "DELETE", "PRAGMA", "WHERE", "VALUES", "JOIN", "SAVEPOINT"}
        return len(words) >= 2 or any(w in only_sql for w in words)
    return False

PRINTF = re.compile(r"^(g_strdup_printf|g_strdup_vprintf|g_string_printf|g_string_append_printf|g_string_vprintf"
                    r"|g_string_append_vprintf|g_snprintf|g_vsnprintf|g_sprintf|g_printf|g_fprintf|g_print"
                    r"|sqlite3_mprintf|sqlite3_vmprintf|sqlite3_snprintf|sqlite3_vsnprintf|sqlite3_str_appendf"
                    r"|sqlite3_str_vappendf|snprintf|vsnprintf|sprintf|vsprintf|asprintf|vasprintf|printf|fprintf"
                    r"|dprintf|g_error|g_warning|g_message|g_debug|g_critical|g_set_error|g_strdup_printf_escaped"
                    r"|g_markup_printf_escaped|kenchi_log\w*|\w+_printf|\w+printf)$")
GLUE = re.compile(r"^(g_strconcat|g_strjoin|g_strjoinv|g_string_append|g_string_append_len|g_string_prepend"
                  r"|g_string_insert|g_string_new|g_string_new_len|g_string_assign|strcat|strncat|stpcpy|strcpy"
                  r"|strncpy|memcpy|g_strlcat|g_strlcpy|sqlite3_str_append|sqlite3_str_appendall|g_string_overwrite)$")
# SQL sinks: function -> index of the SQL argument.
SINKS = {"sqlite3_prepare": 1, "sqlite3_prepare_v2": 1, "sqlite3_prepare_v3": 1, "sqlite3_prepare16": 1,
         "sqlite3_prepare16_v2": 1, "sqlite3_prepare16_v3": 1, "sqlite3_exec": 1, "kenchi_store_stmt": 1}

TOK = re.compile(r'''(?P<str>(?:u8|[LuU])?"(?:\\.|[^"\\\n])*")|(?P<chr>'(?:\\.|[^'\\\n])*')|(?P<id>[A-Za-z_]\w*)'''
                 r'''|(?P<num>\d[\w.]*)|(?P<op>->|\+\+|--|==|!=|<=|>=|&&|\|\||<<|>>|[-+*/%&|^!~<>=?:;,.(){}\[\]#])'''
                 r'''|(?P<ws>\s+)|(?P<other>.)''', re.S)

def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2); j = n if j < 0 else j + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j])); i = j
        elif text.startswith("//", i):
            j = text.find("\n", i); j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1]); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)

def unquote(tok):
    s = tok[tok.index('"') + 1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)

class Tok:
    __slots__ = ("kind", "text", "line")
    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

def tokenize(text):
    toks, line = [], 1
    # Preprocessor lines: collect string macros, drop the rest.
    macros = {}
    lines = text.split("\n")
    buf, i = [], 0
    while i < len(lines):
        l = lines[i]
        if l.lstrip().startswith("#"):
            full = l
            while full.endswith("\\") and i + 1 < len(lines):
                i += 1; full = full[:-1] + " " + lines[i]
            m = re.match(r"\s*#\s*define\s+(\w+)\s+((?:(?:(?:u8|[LuU])?\"(?:\\.|[^\"\\])*\"|[A-Za-z_]\w*)\s*)+)$", full)
            if m:
                # literals, and names of other macros (resolved once every
                # file is read: resolve_macros)
                macros[m.group(1)] = [("s", unquote(s)) if s.startswith('"') else ("id", s)
                                      for s in re.findall(r'"(?:\\.|[^"\\])*"|[A-Za-z_]\w*', m.group(2))]
            elif re.match(r"\s*#\s*define\s+(\w+)\b", full):
                macros.setdefault("#other", set()).add(re.match(r"\s*#\s*define\s+(\w+)", full).group(1))
            buf.append("")
            # keep line numbers
            for _ in range(full.count("\\\n")): pass
        else:
            buf.append(l)
        i += 1
    text = "\n".join(buf)
    for m in TOK.finditer(text):
        k = m.lastgroup
        if k != "ws":
            toks.append(Tok(k, m.group(), line))
        line += m.group().count("\n")
    return toks, macros

def split_args(toks, i):
    """toks[i] is '('; returns (list of arg token lists, index after ')')."""
    depth, args, cur, j = 0, [], [], i
    while j < len(toks):
        t = toks[j].text
        if t in "([{" and toks[j].kind == "op":
            depth += 1
            if depth > 1: cur.append(toks[j])
        elif t in ")]}" and toks[j].kind == "op":
            depth -= 1
            if depth == 0:
                args.append(cur); return args, j + 1
            cur.append(toks[j])
        elif t == "," and depth == 1:
            args.append(cur); cur = []
        else:
            cur.append(toks[j])
        j += 1
    return args, j

def literal_text(expr, macros):
    """The text of an expression made only of string literals and string
    macros (adjacent, as C concatenates them), else None."""
    if not expr:
        return None
    parts = []
    for t in expr:
        if t.kind == "str":
            parts.append(unquote(t.text))
        elif t.kind == "id" and t.text in macros and t.text != "#other":
            parts.append(macros[t.text])
        elif t.kind == "op" and t.text in "()":
            continue
        else:
            return None
    return "".join(parts)

def strings_in(expr, macros):
    out = []
    for t in expr:
        if t.kind == "str":
            out.append(unquote(t.text))
        elif t.kind == "id" and t.text in macros and t.text != "#other":
            out.append(macros[t.text])
    return out

files = []
for d, _, names in os.walk(root):
    for n in sorted(names):
        if n.endswith((".c", ".h")):
            files.append(os.path.join(d, n))
files.sort()

parsed = {}
pending = {}
for f in files:
    toks, macros = tokenize(strip_comments(open(f, encoding="utf-8", errors="replace").read()))
    parsed[f] = toks
    pending.update({k: v for k, v in macros.items() if k != "#other"})

def resolve_macros(pending):
    """Each macro made of literals and of names of such macros, as its text;
    a macro naming anything else is not a literal."""
    done = {}
    changed = True
    while changed:
        changed = False
        for name, parts in pending.items():
            if name not in done and all(k == "s" or v in done for k, v in parts):
                done[name] = "".join(v if k == "s" else done[v] for k, v in parts)
                changed = True
    return done

all_macros = resolve_macros(pending)

def functions(toks):
    """(name, params, body_start, body_end) of each function definition."""
    out, depth, i = [], 0, 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "op" and t.text == "{":
            depth += 1
        elif t.kind == "op" and t.text == "}":
            depth -= 1
        elif depth == 0 and t.kind == "id" and i + 1 < len(toks) and toks[i + 1].text == "(":
            args, j = split_args(toks, i + 1)
            if j < len(toks) and toks[j].text == "{":
                params = []
                for a in args:
                    ids = [x.text for x in a if x.kind == "id"]
                    if ids and ids != ["void"]:
                        params.append(ids[-1])
                # body extent
                d, k = 0, j
                while k < len(toks):
                    if toks[k].text == "{" and toks[k].kind == "op": d += 1
                    elif toks[k].text == "}" and toks[k].kind == "op":
                        d -= 1
                        if d == 0: break
                    k += 1
                out.append((t.text, params, j, k))
                i = k
        i += 1
    return out

def literal_tables(toks, macros):
    """Names of top-level arrays initialised only with string literals."""
    names, i = set(), 0
    while i < len(toks):
        if toks[i].kind == "id" and i + 2 < len(toks) and toks[i + 1].text == "[":
            j = i + 1
            while j < len(toks) and toks[j].text != "]": j += 1
            if j + 2 < len(toks) and toks[j + 1].text == "=" and toks[j + 2].text == "{":
                k, items, cur, d = j + 3, [], [], 1
                while k < len(toks) and d:
                    x = toks[k]
                    if x.text == "{": d += 1
                    elif x.text == "}":
                        d -= 1
                        if d == 0: break
                    if x.text == "," and d == 1:
                        items.append(cur); cur = []
                    else:
                        cur.append(x)
                    k += 1
                if cur: items.append(cur)
                if items and all(literal_text(it, macros) is not None for it in items):
                    names.add(toks[i].text)
        i += 1
    return names

findings = []
def report(f, line, rule, detail, key):
    rel = os.path.relpath(f, root)
    findings.append((rel, line, rule, detail, "%s|%s|%s" % (rel, rule, key)))

# Fixpoint over wrapper functions: a function that hands its own parameter
# to a sink is itself a sink for that parameter.
sinks = dict(SINKS)
func_index = {f: functions(parsed[f]) for f in files}
changed = True
while changed:
    changed = False
    for f in files:
        toks = parsed[f]
        for name, params, b0, b1 in func_index[f]:
            for i in range(b0, b1):
                t = toks[i]
                if t.kind == "id" and t.text in sinks and i + 1 < b1 and toks[i + 1].text == "(" and t.text != name:
                    args, _ = split_args(toks, i + 1)
                    idx = sinks[t.text]
                    if idx < len(args) and len(args[idx]) == 1 and args[idx][0].text in params:
                        p = params.index(args[idx][0].text)
                        if sinks.get(name) != p:
                            sinks[name] = p; changed = True

def assigned_only_literals(toks, b0, b1, var, macros, tables):
    """Every assignment to VAR in the body is a literal, a table entry, NULL,
    or a ternary of those; at least one assignment exists."""
    seen = False
    for i in range(b0, b1):
        if toks[i].kind == "id" and toks[i].text == var and i + 1 < b1 and toks[i + 1].text == "=":
            if i > 0 and toks[i - 1].text in (".", "->"):
                continue
            j, expr, d = i + 2, [], 0
            while j < b1 and not (toks[j].text in (";", ",") and d == 0):
                if toks[j].text in "([{": d += 1
                if toks[j].text in ")]}": d -= 1
                expr.append(toks[j]); j += 1
            seen = True
            if not static_expr(expr, macros, tables):
                return False
    return seen

def static_expr(expr, macros, tables):
    if literal_text(expr, macros) is not None:
        return True
    if len(expr) == 1 and expr[0].text == "NULL":
        return True
    if expr and expr[0].kind == "id" and expr[0].text in tables and len(expr) > 1 and expr[1].text == "[" \
            and expr[-1].text == "]":
        return True
    # cond ? A : B with static branches
    q = [k for k, t in enumerate(expr) if t.text == "?"]
    if q:
        c = [k for k, t in enumerate(expr) if t.text == ":" and k > q[0]]
        if c:
            return static_expr(expr[q[0] + 1:c[-1]], macros, tables) and static_expr(expr[c[-1] + 1:], macros, tables)
    return False

for f in files:
    toks = parsed[f]
    macros = all_macros
    tables = literal_tables(toks, macros)
    funcs = func_index[f]
    def enclosing(i):
        for fn in funcs:
            if fn[2] <= i <= fn[3]:
                return fn
        return None
    for i, t in enumerate(toks):
        if t.kind != "id" or i + 1 >= len(toks) or toks[i + 1].text != "(":
            continue
        if enclosing(i) is None:
            continue   # a declaration or definition: calls live in bodies
        name = t.text
        if PRINTF.match(name) and name not in sinks:
            args, _ = split_args(toks, i + 1)
            for a in args:
                s = literal_text(a, macros)
                if s is not None and "%" in s and sqlish(s, True):
                    report(f, t.line, "printf", "%s(\"%s\") builds SQL with a format" % (name, s[:60]), s)
                    break
        if GLUE.match(name):
            args, _ = split_args(toks, i + 1)
            for a in args:
                for s in strings_in(a, macros):
                    if sqlish(s, True):
                        report(f, t.line, "concat", "%s(\"%s\") glues SQL together at run time" % (name, s[:60]), s)
                        break
        if name in sinks:
            fn = enclosing(i)
            if fn is not None and fn[0] == name:
                continue
            args, _ = split_args(toks, i + 1)
            idx = sinks[name]
            if idx >= len(args):
                continue
            a = args[idx]
            if static_expr(a, macros, tables):
                continue
            if len(a) == 1 and a[0].kind == "id" and fn is not None:
                v = a[0].text
                if v in fn[1] and sinks.get(fn[0]) == fn[1].index(v):
                    continue   # a wrapper: its callers are checked
                if assigned_only_literals(toks, fn[2], fn[3], v, macros, tables):
                    continue
            expr = " ".join(x.text for x in a)
            report(f, t.line, "prepare", "%s(..., %s, ...): SQL that is not a literal" % (name, expr[:60]),
                   "%s:%s:%s" % (fn[0] if fn else "-", name, expr))
# A literal with SQL built into a bigger string with '+' does not exist in
# C; a strcat-style copy is covered by GLUE.

used = {a: 0 for a in allow}
for rel, line, rule, detail, key in sorted(findings):
    if key in used and used[key] == 0:
        used[key] += 1
        continue
    print("%s:%d: %s: %s  [key %s]" % (rel, line, rule, detail, key.replace("\n", "\\n")))
for a, n in used.items():
    if n == 0:
        print("NOTE unused allowlist entry: %s" % a, file=sys.stderr)
print("SINKS " + " ".join(sorted(k for k in sinks if k not in SINKS)), file=sys.stderr)
PY

lint() { "$KT_PY" "$KT_TMP/sqllint.py" "$@"; }

# ---------------------------------------------------------------- self-check
P=$KT_TMP/planted
mkdir -p "$P/store" "$P/clean"
cat >"$P/store/bad.c" <<'C'
#include <sqlite3.h>
#include <glib.h>
#define COLS "id, customer"
static void bad(sqlite3 *db, const char *customer, int id)
{
	sqlite3_stmt *q;
	char *sql = g_strdup_printf("SELECT * FROM events WHERE customer = '%s'", customer);
	sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	char *del = g_strconcat("DELETE FROM events WHERE customer = '", customer, "'", NULL);
	GString *s = g_string_new("SELECT " COLS " FROM cases");
	g_string_append(s, " WHERE customer = ");
	g_string_append_printf(s, "%d", id);
	sqlite3_exec(db, s->str, NULL, NULL, NULL);
	char *m = sqlite3_mprintf("UPDATE cases SET state = %Q WHERE id = %d", customer, id);
	sqlite3_exec(db, m, NULL, NULL, NULL);
	char buf[256];
	snprintf(buf, sizeof buf, "insert into lists (value) values ('%s')", customer);
	kenchi_store_stmt(NULL, buf);
}
#define BYNAME "WHERE customer = " customer_text
static void bad2(sqlite3 *db) { sqlite3_stmt *q; sqlite3_prepare_v2(db, "SELECT * FROM cases " BYNAME, -1, &q, NULL); }
C
cat >"$P/clean/good.c" <<'C'
#include <sqlite3.h>
#include <glib.h>
#include <string.h>
#define COLS "id, customer"
#define BY_ID "SELECT " COLS " FROM b WHERE id = ?1"
static const char *const table[] = { "CREATE TABLE a (x);", "CREATE TABLE b (y);" };
static int run(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL); }
static void good(sqlite3 *db, const char *what, int i)
{
	sqlite3_stmt *q;
	const char *sql;
	if (strcmp(what, "a") == 0)
		sql = "SELECT count(*) FROM a";
	else
		sql = "SELECT " COLS " FROM b WHERE id = ?1";
	sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	sqlite3_prepare_v2(db, i ? "SELECT 1" : "SELECT 2", -1, &q, NULL);
	run(db, "BEGIN IMMEDIATE");
	run(db, table[i]);
	sqlite3_prepare_v2(db, BY_ID, -1, &q, NULL);
	char *msg = g_strdup_printf("%s: where did the %d rows go? Update the list, or set it aside", what, i);
	g_free(msg);
}
C
bad=$(lint "$P" 2>/dev/null)
for pat in 'bad.c:7: printf' 'bad.c:8: prepare' 'bad.c:9: concat' 'bad.c:10: concat' 'bad.c:11: concat' \
           'bad.c:13: prepare' 'bad.c:14: printf' 'bad.c:15: prepare' 'bad.c:17: printf' 'bad.c:18: prepare' \
           'bad.c:21: prepare'; do
    like "$bad" "$pat" "self-check: the planted ${pat#bad.c:} is caught"
done
is "$(lint "$P/clean" 2>/dev/null)" "" "self-check: literals, string macros (of literals and of other such macros), literal tables, a literal-only variable and a wrapper pass"
like "$(lint "$P/clean" 2>&1 >/dev/null)" "SINKS run" "self-check: a function passing its parameter to sqlite3_exec is checked as a sink"
# The planted file dropped into a copy of the real tree is caught too.
cp -r "$SRC" "$KT_TMP/src-copy"
find "$KT_TMP/src-copy" -name '*.o' -delete
cp "$P/store/bad.c" "$KT_TMP/src-copy/store/zz_planted.c"
like "$(lint "$KT_TMP/src-copy" "$KT_TMP/allow" 2>/dev/null)" "store/zz_planted.c:7: printf" \
    "self-check: g_strdup_printf(\"SELECT ... %s\", x) added to src/store fails the scan"
# The allowlist covers exactly one PRAGMA printf: a second copy is caught.
sed 's/sql = g_strdup_printf("PRAGMA user_version = %d", i + 1);/&\n\t\tg_free(sql); sql = g_strdup_printf("PRAGMA user_version = %d", i + 1);/' \
    "$SRC/store/schema.c" >"$KT_TMP/src-copy/store/schema.c"
rm -f "$KT_TMP/src-copy/store/zz_planted.c"
like "$(lint "$KT_TMP/src-copy" "$KT_TMP/allow" 2>/dev/null)" "store/schema.c:[0-9]+: printf: .*PRAGMA" \
    "self-check: the allowlist admits one PRAGMA printf, not two"
unlike "$(lint "$SRC" 2>/dev/null)" "^$" "self-check: without the allowlist the PRAGMA printf is reported"

# ---------------------------------------------------------------- the tree
out=$(lint "$SRC" "$KT_TMP/allow" 2>"$KT_TMP/lint.err")
rc=$?
is "$rc" 0 "the scanner ran"
if [ -z "$out" ]; then
    ok 0 "no SQL assembled from strings in src/ (bound parameters only)"
else
    ok 1 "no SQL assembled from strings in src/ (bound parameters only)"
    diag "$out"
fi
grep -q '^NOTE unused' "$KT_TMP/lint.err" && diag "$(grep '^NOTE' "$KT_TMP/lint.err")"
note "wrappers checked as SQL sinks: $(sed -n 's/^SINKS //p' "$KT_TMP/lint.err")"

done_testing
