#include "tokenize.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Character classes the token rules need. */
enum {
	CLS_SEP = 0,
	CLS_LETTER,
	CLS_MARK,    /* combining marks continue a letter run */
	CLS_DIGIT,
	CLS_APOS,    /* ' ’ ‘ ʼ ＇ */
	CLS_HYPHEN,  /* - ‐ ‑ (not en or em dashes, which separate) */
	CLS_PERIOD,
	CLS_NUMSEP,  /* , : / inside numbers */
	CLS_IGNORE   /* soft hyphen, word joiner, U+FEFF: invisible, dropped inside words */
};

/* NFKC can expand a character up to 18 times; 128 MiB keeps every offset
 * of fr_token well inside 32 bits. */
#define MAX_PARAGRAPH_BYTES ((size_t)128 << 20)

/* The class of each ASCII byte: a constant table, so that threads share it
 * without any initialisation race. */
static const uint8_t ascii_class[128] = {
	CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
	CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
	CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
	CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
	CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_APOS,
	CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_NUMSEP, CLS_HYPHEN, CLS_PERIOD, CLS_NUMSEP,
	CLS_DIGIT, CLS_DIGIT, CLS_DIGIT, CLS_DIGIT, CLS_DIGIT, CLS_DIGIT, CLS_DIGIT, CLS_DIGIT,
	CLS_DIGIT, CLS_DIGIT, CLS_NUMSEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
	CLS_SEP, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER,
	CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER,
	CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER,
	CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
	CLS_SEP, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER,
	CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER,
	CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_LETTER,
	CLS_LETTER, CLS_LETTER, CLS_LETTER, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP, CLS_SEP,
};

static int unicode_class(int32_t cp)
{
	switch (cp) {
	case 0x2019: case 0x2018: case 0x02BC: case 0xFF07:
		return CLS_APOS;
	case 0x2010: case 0x2011:
		return CLS_HYPHEN;
	case 0x00AD: /* soft hyphen */
	case 0x2060: /* word joiner */
	case 0xFEFF: /* zero width no-break space, the BOM of a file joined on */
		return CLS_IGNORE;
	default:
		break;
	}
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return CLS_LETTER;
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return CLS_MARK;
	case UTF8PROC_CATEGORY_ND:
		return CLS_DIGIT;
	default:
		return CLS_SEP;
	}
}

size_t fr_utf8_fit(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t k = max;
	while (k > 0 && max - k < 3 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	int32_t cp = 0;
	if (k < max && fr_utf8_decode((const uint8_t *)s + k, len - k, &cp) > max - k)
		return k;
	return max;
}

int fr_utf8_fit_str(const char *s, size_t max)
{
	/* The 4 bytes past max are all a split character can need. */
	return (int)fr_utf8_fit(s, strnlen(s, max + 4), max);
}

size_t fr_utf8_fit_end(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return 0;
	size_t from = len - max, k = from;
	while (k > 0 && from - k < 3 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	int32_t cp = 0;
	size_t n = k < from ? fr_utf8_decode((const uint8_t *)s + k, len - k, &cp) : 0;
	return n > from - k ? k + n : from;
}

size_t fr_utf8_decode(const uint8_t *s, size_t n, int32_t *cp_out)
{
	uint8_t b0 = s[0];
	if (b0 < 0x80) {
		*cp_out = b0;
		return 1;
	}
	size_t need = 0;
	int32_t cp = 0, min = 0;
	if (b0 >= 0xC2 && b0 <= 0xDF) {
		need = 2; cp = b0 & 0x1F; min = 0x80;
	} else if (b0 >= 0xE0 && b0 <= 0xEF) {
		need = 3; cp = b0 & 0x0F; min = 0x800;
	} else if (b0 >= 0xF0 && b0 <= 0xF4) {
		need = 4; cp = b0 & 0x07; min = 0x10000;
	} else {
		return 0; /* continuation byte, overlong lead C0/C1, or F5..FF */
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0; /* overlong, out of range, or a surrogate */
	*cp_out = cp;
	return need;
}

char *fr_utf8_repair(const char *s)
{
	size_t len = strlen(s), o = 0;
	/* U+FFFD is three bytes for the one it replaces. */
	char *out = len < ((size_t)-1 - 1) / 3 ? malloc(3 * len + 1) : NULL;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; ) {
		int32_t cp = 0;
		size_t n = fr_utf8_decode((const uint8_t *)s + i, len - i, &cp);
		if (n == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

const char *fr_text_problem(const char *text, size_t len, size_t *at_out)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t pos = 0;
	while (pos < len) {
#ifdef __SSE2__
		/* Sixteen ASCII bytes, none of them NUL, at a time (SSE2, on every
		 * x86-64: a record's text is read through here once). */
		if (len - pos >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
			if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, _mm_setzero_si128()))) == 0) {
				pos += 16;
				continue;
			}
		}
#endif
		/* Eight ASCII bytes, none of them NUL, at a time. */
		if (len - pos >= 8) {
			uint64_t v = 0;
			memcpy(&v, s + pos, sizeof(v));
			const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
			if ((v & highs) == 0 && ((v - ones) & ~v & highs) == 0) {
				pos += 8;
				continue;
			}
		}
		int32_t cp = 0;
		size_t n = fr_utf8_decode(s + pos, len - pos, &cp);
		if (n > 0 && cp != 0) {
			pos += n;
			continue;
		}
		*at_out = pos;
		if (n > 0)
			return "NUL byte";
		uint8_t b0 = s[pos];
		if (b0 >= 0x80 && b0 <= 0xBF)
			return "invalid UTF-8 (a continuation byte with no lead byte)";
		if (b0 == 0xC0 || b0 == 0xC1)
			return "invalid UTF-8 (overlong form)";
		if (b0 >= 0xF5)
			return "invalid UTF-8 (a byte that never occurs in UTF-8)";
		size_t need = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
		for (size_t i = 1; i < need; i++)
			if (pos + i >= len || (s[pos + i] & 0xC0) != 0x80)
				return "invalid UTF-8 (truncated sequence)";
		uint8_t b1 = s[pos + 1];
		if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xF0 && b1 < 0x90))
			return "invalid UTF-8 (overlong form)";
		if (b0 == 0xED && b1 >= 0xA0)
			return "invalid UTF-8 (UTF-16 surrogate)";
		return "invalid UTF-8 (past U+10FFFF)";
	}
	return NULL;
}

void fr_tokens_init(fr_tokens *tokens)
{
	memset(tokens, 0, sizeof(*tokens));
}

void fr_tokens_dispose(fr_tokens *tokens)
{
	if (tokens == NULL)
		return;
	free(tokens->text);
	free(tokens->terms);
	free(tokens->items);
	free(tokens->scratch);
	memset(tokens, 0, sizeof(*tokens));
}

static int push_scratch(fr_tokens *t, size_t *n, int32_t cp)
{
	if (fr_grow((void **)&t->scratch, &t->scratch_cap, *n + 1, sizeof(*t->scratch)) < 0)
		return FR_ENOMEM;
	t->scratch[(*n)++] = cp;
	return 0;
}

/* The longest full decomposition of one code point (U+FDFA gives 18). */
#define MAX_DECOMPOSITION 32

/* Appends the NFKD case-folded form of cp to the scratch buffer;
 * push_token composes the token to NFKC. UTF8PROC_COMPAT only takes effect
 * together with UTF8PROC_DECOMPOSE: without it, full-width letters and
 * other compatibility forms were kept as they were. */
static int push_folded(fr_tokens *t, size_t *n, int32_t cp, int *non_ascii)
{
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		return push_scratch(t, n, cp);
	}
	*non_ascii = 1;
	utf8proc_int32_t out[MAX_DECOMPOSITION];
	int last_boundclass = 0;
	utf8proc_ssize_t k = utf8proc_decompose_char(cp, out, MAX_DECOMPOSITION,
		UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD, &last_boundclass);
	if (k < 0 || k > MAX_DECOMPOSITION)
		return push_scratch(t, n, cp);
	for (utf8proc_ssize_t i = 0; i < k; i++) {
		int rc = push_scratch(t, n, out[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Puts combining marks in canonical order (stable sort by combining class
 * within each run of non-starters), as composition expects. Decomposing one
 * character at a time does not do it across characters. */
static void canonical_order(int32_t *cps, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int32_t c = cps[i];
		int cc = utf8proc_get_property(c)->combining_class;
		if (cc == 0)
			continue;
		size_t j = i;
		while (j > 0) {
			int pc = utf8proc_get_property(cps[j - 1])->combining_class;
			if (pc <= cc)
				break;
			cps[j] = cps[j - 1];
			j--;
		}
		cps[j] = c;
	}
}

/* Makes room for one more token of at most room bytes; returns where its
 * text goes, or NULL when memory ran out. */
static char *token_space(fr_tokens *t, size_t room)
{
	if (fr_grow((void **)&t->items, &t->cap, t->count + 1, sizeof(*t->items)) < 0)
		return NULL;
	/* A number is "<num>" however short it was: reserve for whichever is longer. */
	if (room < sizeof(FR_TOKEN_NUMBER_TEXT) - 1)
		room = sizeof(FR_TOKEN_NUMBER_TEXT) - 1;
	/* The NUL, and the FR_TOKENS_READABLE bytes readable from a form's start that
	 * fr_tokens promises. */
	if (fr_grow((void **)&t->text, &t->text_cap, t->text_len + room + FR_TOKENS_READABLE, 1) < 0)
		return NULL;
	return t->text + t->text_len;
}

/* Records the token whose len bytes were written at token_space's place. */
static void token_done(fr_tokens *t, size_t len, uint8_t kind)
{
	size_t start = t->text_len;
	if (kind == FR_TOKEN_NUMBER) {
		len = sizeof(FR_TOKEN_NUMBER_TEXT) - 1;
		memcpy(t->text + start, FR_TOKEN_NUMBER_TEXT, len);
	}
	t->text[start + len] = '\0';
	t->text_len += len + 1;
	fr_token *tok = &t->items[t->count++];
	tok->start = (uint32_t)start;
	tok->len = (uint32_t)len;
	tok->term_start = 0;
	tok->term_len = 0;
	tok->kind = kind;
	tok->stop = 0;
}

static int push_token(fr_tokens *t, size_t ncp, int non_ascii, uint8_t kind)
{
	if (non_ascii && kind != FR_TOKEN_NUMBER) {
		/* Recompose what was decomposed per character: NFKD + COMPOSE = NFKC. */
		canonical_order(t->scratch, ncp);
		utf8proc_ssize_t m = utf8proc_normalize_utf32(t->scratch,
			(utf8proc_ssize_t)ncp, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		if (m >= 0)
			ncp = (size_t)m;
	}
	char *dst = token_space(t, ncp * 4);
	if (dst == NULL)
		return FR_ENOMEM;
	size_t len = 0;
	if (kind != FR_TOKEN_NUMBER)
		for (size_t i = 0; i < ncp; i++)
			if (t->scratch[i] != ' ') /* a few compatibility forms (U+FDFA) hold spaces */
				len += (size_t)utf8proc_encode_char(t->scratch[i], (utf8proc_uint8_t *)dst + len);
	token_done(t, len, kind);
	return 0;
}

/* The bytes that may join an ASCII run to what follows it (see
 * ascii_run_is_whole), by the kind of run: any other byte (a space, most
 * punctuation, a line end) closes the token without another look. A word
 * ends at a comma, and at a period after two letters or more, at once: the
 * common ends of words take no branch that could be mispredicted. */
enum {
	JOIN_WORD = 1,    /* after a word: ' - and non-ASCII */
	JOIN_INITIAL = 2, /* after a one-letter word: . (an abbreviation's) */
	JOIN_NUMBER = 4   /* after a number: , - . / : and non-ASCII */
};
#define R0 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define RH 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5
static const uint8_t may_join[256] = {
	R0, R0,
	0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 5, 6, 4, /* ' , - . / */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, /* : */
	R0, R0, R0, R0,
	RH, RH, RH, RH, RH, RH, RH, RH                  /* non-ASCII */
};
#undef R0
#undef RH

/* Whether the ASCII run s[start..end) is a whole token by itself: what ends
 * it can join nothing (an apostrophe or hyphen before a letter, an
 * abbreviation's period, a number's punctuation before a digit, or any
 * non-ASCII byte all can). When it is not, the general path decides. */
static int ascii_run_is_whole(const uint8_t *s, size_t len, size_t start, size_t end, int word)
{
	if (end >= len)
		return 1;
	uint8_t c = s[end];
	if (c >= 0x80)
		return 0;
	uint8_t after = end + 1 < len ? s[end + 1] : ' ';
	if (word) {
		int letter_after = after >= 0x80 || ascii_class[after] == CLS_LETTER;
		if (c == '\'' || c == '-' || (c == '.' && end - start == 1))
			return !letter_after;
		return 1;
	}
	if (c == '.' || c == ',' || c == ':' || c == '/' || c == '-')
		return !(after >= 0x80 || ascii_class[after] == CLS_DIGIT);
	return 1;
}

/* Bit i set when byte i of the 16 at p is an ASCII letter or digit; in
 * *high_out, when it is over 0x7F. With SSE2 (every x86-64) sixteen bytes
 * are classed in a dozen instructions; elsewhere a byte at a time. */
static inline unsigned ascii_alnum16(const uint8_t *p, unsigned *high_out)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* Signed compares: bytes over 0x7F are negative and below every bound. */
	__m128i low = _mm_or_si128(v, _mm_set1_epi8(0x20));
	__m128i letter = _mm_and_si128(_mm_cmpgt_epi8(low, _mm_set1_epi8('a' - 1)),
	                               _mm_cmplt_epi8(low, _mm_set1_epi8('z' + 1)));
	__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
	                              _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	*high_out = (unsigned)_mm_movemask_epi8(v);
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit));
#else
	unsigned alnum = 0, high = 0;
	for (unsigned i = 0; i < 16; i++) {
		int cls = p[i] < 0x80 ? ascii_class[p[i]] : CLS_SEP;
		alnum |= (unsigned)(cls == CLS_LETTER || cls == CLS_DIGIT) << i;
		high |= (unsigned)(p[i] >> 7) << i;
	}
	*high_out = high;
	return alnum;
#endif
}

/* The 16 bytes from s[pos] for ascii_alnum16; past len they read as NUL,
 * a separator, from a copy in tail. */
static inline const uint8_t *window16(const uint8_t *s, size_t len, size_t pos, uint8_t tail[16])
{
	if (len - pos >= 16)
		return s + pos;
	memset(tail, 0, 16);
	memcpy(tail, s + pos, len - pos);
	return tail;
}

/* The ASCII fast path, from s[pos]: skips ASCII separators and takes
 * every token of ASCII letters and digits that nothing joins on to (see
 * ascii_run_is_whole), sixteen bytes classed at a time. Returns where the
 * general path must look: at a non-ASCII byte, at a run that may join
 * what follows, or len. *rc is set to FR_ENOMEM when memory ran out.
 *
 * The buffers' state lives in locals and is written back when the general
 * path or token_space needs it: the stores into the text would otherwise
 * make the compiler reload every field of out after each one. */
static size_t ascii_tokens(fr_tokens *out, const uint8_t *s, size_t len, size_t pos, int *rc)
{
	char *text = out->text;
	size_t text_len = out->text_len, text_cap = out->text_cap, count = out->count, cap = out->cap;
	fr_token *items = out->items;
	uint8_t tail[16];
	while (pos < len) {
		unsigned high = 0;
		unsigned alnum = ascii_alnum16(window16(s, len, pos, tail), &high);
		/* Where the first letter or digit is; 16 when there is none. */
		unsigned first = (unsigned)__builtin_ctz(alnum | 0x10000u);
		if (high & ((1u << first) - 1)) { /* a non-ASCII byte first: the general path's */
			pos += (size_t)__builtin_ctz(high);
			break;
		}
		if (first == 16) { /* sixteen separators */
			pos += 16;
			continue;
		}
		pos += first;
		size_t run = (size_t)__builtin_ctz(~(alnum >> first)); /* at most 16 - first */
		size_t end = pos + run;
		/* A run that reaches the window's end goes on sixteen bytes at a
		 * time. (A window copied to tail ends in NULs: its runs stop at len.) */
		while (run == 16 - first && end < len) {
			run = (size_t)__builtin_ctz(~ascii_alnum16(window16(s, len, end, tail), &high));
			end += run;
			first = 0;
		}
		int word = s[pos] > '9'; /* a letter: digits are below them in ASCII */
		unsigned joins = word ? JOIN_WORD | (end - pos == 1 ? JOIN_INITIAL : 0) : JOIN_NUMBER;
		if (end < len && (may_join[s[end]] & joins) && !ascii_run_is_whole(s, len, pos, end, word))
			break;
		size_t n = end - pos;
		/* The token (or "<num>"), its NUL, the fifteen bytes the copy may
		 * write past it and the FR_TOKENS_READABLE readable from its start. */
		if (count == cap || text_len + n + 16 + FR_TOKENS_READABLE > text_cap) {
			out->text_len = text_len;
			out->count = count;
			if (token_space(out, n + 16) == NULL) {
				*rc = FR_ENOMEM;
				return pos;
			}
			text = out->text;
			text_cap = out->text_cap;
			items = out->items;
			cap = out->cap;
		}
		char *dst = text + text_len;
		if (word) {
			/* Letters and digits are lowercase with bit 0x20 set; what
			 * lands past the token is inside the room reserved and
			 * overwritten by what follows. */
			size_t i = 0;
#ifdef __SSE2__
			for (; i < n && len - pos - i >= 16; i += 16) {
				__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos + i));
				_mm_storeu_si128((__m128i *)(void *)(dst + i), _mm_or_si128(v, _mm_set1_epi8(0x20)));
			}
#endif
			for (; i < n; i++)
				dst[i] = (char)(s[pos + i] | 0x20);
		} else {
			n = sizeof(FR_TOKEN_NUMBER_TEXT) - 1;
			memcpy(dst, FR_TOKEN_NUMBER_TEXT, n);
		}
		dst[n] = '\0';
		fr_token *tok = &items[count++];
		tok->start = (uint32_t)text_len;
		tok->len = (uint32_t)n;
		tok->term_start = 0;
		tok->term_len = 0;
		tok->kind = word ? FR_TOKEN_WORD : FR_TOKEN_NUMBER;
		tok->stop = 0;
		text_len += n + 1;
		pos = end;
	}
	out->text_len = text_len;
	out->count = count;
	return pos < len ? pos : len;
}

/* A decoded character with its class, for one-character lookahead. */
typedef struct {
	int32_t cp;
	size_t size; /* bytes it takes; 0 at the end of the text */
	int cls;
	int invalid;
} ch_t;

static ch_t read_ch(const uint8_t *s, size_t len, size_t pos)
{
	ch_t c = { 0, 0, CLS_SEP, 0 };
	if (pos >= len)
		return c;
	if (s[pos] < 0x80) {
		c.cp = s[pos];
		c.size = 1;
		c.cls = ascii_class[s[pos]];
		return c;
	}
	c.size = fr_utf8_decode(s + pos, len - pos, &c.cp);
	if (c.size == 0) {
		c.size = 1;
		c.cp = 0xFFFD;
		c.invalid = 1;
		return c;
	}
	c.cls = unicode_class(c.cp);
	return c;
}

static int is_wordy(int cls)
{
	return cls == CLS_LETTER || cls == CLS_MARK || cls == CLS_DIGIT;
}

int fr_tokenize(fr_tokens *out, const char *text, size_t len, fr_error *err)
{
	out->text_len = 0;
	out->terms_len = 0;
	out->count = 0;
	out->invalid_bytes = 0;
	if (len > MAX_PARAGRAPH_BYTES)
		return fr_error_set(err, FR_EINVALID, NULL, 0,
		                    "paragraph of %zu bytes is over the 128 MiB limit", len);

	const uint8_t *s = (const uint8_t *)text;
	size_t pos = 0;
	int rc = 0;
	while (pos < len) {
		pos = ascii_tokens(out, s, len, pos, &rc);
		if (rc < 0)
			return fr_error_set(err, rc, NULL, 0, "out of memory");
		if (pos >= len)
			break;
		ch_t c = read_ch(s, len, pos);
		if (c.invalid)
			out->invalid_bytes++;
		if (c.cls != CLS_LETTER && c.cls != CLS_DIGIT) {
			pos += c.size;
			continue;
		}
		size_t ncp = 0;
		int non_ascii = 0;
		uint8_t kind = c.cls == CLS_DIGIT ? FR_TOKEN_NUMBER : FR_TOKEN_WORD;
		size_t letters = 0;     /* letters since the token or the last period began */
		int abbrev_ok = 1;      /* so far only single letters each followed by '.' */
		size_t abbrev_periods = 0;
		ch_t prev = c;
		for (;;) {
			if (is_wordy(c.cls)) {
				if (kind == FR_TOKEN_WORD || c.cls != CLS_MARK)
					rc = push_folded(out, &ncp, c.cp, &non_ascii);
				if (c.cls == CLS_LETTER)
					letters++;
				else
					abbrev_ok = 0;
				if (letters > 1)
					abbrev_ok = 0;
				pos += c.size;
			} else {
				ch_t next = read_ch(s, len, pos + c.size);
				int joins = 0;
				if (kind == FR_TOKEN_NUMBER) {
					/* 1,000  3.5  09:06  02/25/2022  2022-23 */
					joins = (c.cls == CLS_PERIOD || c.cls == CLS_NUMSEP || c.cls == CLS_HYPHEN) &&
					        next.cls == CLS_DIGIT;
				} else if (c.cls == CLS_APOS) {
					/* A combining mark belongs to the letter before it. */
					joins = (prev.cls == CLS_LETTER || prev.cls == CLS_MARK) &&
					        next.cls == CLS_LETTER;
					if (joins) {
						rc = push_scratch(out, &ncp, '\'');
						abbrev_ok = 0;
					}
				} else if (c.cls == CLS_HYPHEN || c.cls == CLS_IGNORE) {
					joins = is_wordy(prev.cls) && next.cls == CLS_LETTER;
					abbrev_ok = abbrev_ok && !joins;
				} else if (c.cls == CLS_PERIOD && abbrev_ok && letters == 1) {
					/* "U.S.": a period after a single letter continues the
					 * abbreviation when a letter and its own period follow,
					 * and closes it after at least two letters. */
					ch_t after = next.size ? read_ch(s, len, pos + c.size + next.size) : next;
					int more = next.cls == CLS_LETTER && after.cls == CLS_PERIOD;
					if (more || abbrev_periods >= 1) {
						rc = push_scratch(out, &ncp, '.');
						abbrev_periods++;
						letters = 0;
						kind = FR_TOKEN_ABBREV;
						joins = more;
						if (!more) {
							pos += c.size;
							break;
						}
					}
				}
				if (!joins)
					break;
				pos += c.size;
			}
			if (rc < 0)
				return fr_error_set(err, rc, NULL, 0, "out of memory");
			prev = c;
			c = read_ch(s, len, pos);
			if (c.invalid)
				break; /* counted when the outer loop reads it */
		}
		if (kind == FR_TOKEN_ABBREV && abbrev_periods < 2)
			kind = FR_TOKEN_WORD;
		if (ncp == 0)
			continue;
		rc = push_token(out, ncp, non_ascii, kind);
		if (rc < 0)
			return fr_error_set(err, rc, NULL, 0, "out of memory");
	}
	return 0;
}

int fr_tokens__set_term(fr_tokens *t, size_t i, const char *term, size_t len)
{
	if (fr_grow((void **)&t->terms, &t->terms_cap, t->terms_len + len + 1, 1) < 0)
		return FR_ENOMEM;
	memcpy(t->terms + t->terms_len, term, len);
	t->terms[t->terms_len + len] = '\0';
	t->items[i].term_start = (uint32_t)t->terms_len;
	t->items[i].term_len = (uint32_t)len;
	t->terms_len += len + 1;
	return 0;
}

int fr_has_word(const char *text, size_t len)
{
	const uint8_t *s = (const uint8_t *)text;
	for (size_t pos = 0; pos < len;) {
		ch_t c = read_ch(s, len, pos);
		if (!c.invalid && (c.cls == CLS_LETTER || c.cls == CLS_DIGIT))
			return 1;
		pos += c.size;
	}
	return 0;
}

int fr_word_goes_on(const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	ch_t c = read_ch(u, n, 0);
	if (c.invalid || c.size == 0)
		return 0;
	if (is_wordy(c.cls))
		return 1;
	if (c.cls != CLS_HYPHEN && c.cls != CLS_APOS && c.cls != CLS_IGNORE)
		return 0;
	ch_t next = read_ch(u, n, c.size);
	return !next.invalid && next.cls == CLS_LETTER;
}

size_t fr_blank_char(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == ' ' || u[0] == '\t' || u[0] == '\f' || u[0] == '\v')
		return 1;
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (n < 3)
		return 0;
	if ((u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) || (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) ||
	    (u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80))
		return 3;
	if (u[0] == 0xE2 && ((u[1] == 0x80 && (u[2] <= 0x8B || u[2] == 0xAF)) || (u[1] == 0x81 && u[2] == 0x9F)))
		return 3;
	return 0;
}

/* The length of one blank character (fr_blank_char, CR or LF) at p, of
 * at most n bytes; 0 when p starts no such character. */
static size_t blank_or_line_end(const char *p, size_t n)
{
	return p[0] == '\r' || p[0] == '\n' ? 1 : fr_blank_char(p, n);
}

void fr_trim_blank(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len, k;
	/* From both ends only: a text's middle is never read, so a long
	 * paragraph costs no more than a short one. */
	while (n > 0 && (k = blank_or_line_end(p, n)) > 0) {
		p += k;
		n -= k;
	}
	while (n > 0) {
		/* The last character starts at its lead byte, at most 3 back
		 * (every blank character is 1 to 3 bytes long). */
		size_t at = n - 1;
		while (at > 0 && n - at < 3 && ((unsigned char)p[at] & 0xC0) == 0x80)
			at--;
		if (blank_or_line_end(p + at, n - at) != n - at)
			break;
		n = at;
	}
	*s = p;
	*len = n;
}
