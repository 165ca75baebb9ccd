package content

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// terms turns text into search terms. The same function serves pages and
// queries, so whatever it does to one it does to the other.
//
// Thai, Lao, Khmer, Burmese and Chinese are written without spaces between
// words, and no word list ships for most of them, so a "word" there is any
// run of letters and its terms are character bigrams and trigrams: a query
// matches wherever its n-grams occur, whatever the word boundaries. Latin
// words (English, Vietnamese) give the folded word itself plus padded
// trigrams, so small typos still share most terms; folding strips diacritics
// so Vietnamese typed without them matches.
func terms(text string) []string {
	var out []string
	for _, w := range words(fold(text)) {
		if isLatinWord(w) {
			out = append(out, w)
			out = appendNgrams(out, "_"+w+"_", 3)
			continue
		}
		out = appendNgrams(out, w, 2)
		out = appendTrigrams(out, w)
	}
	return out
}

// fold lower-cases text, writes native digits as ASCII, and applies Unicode
// compatibility decomposition (NFKD) to every non-ASCII text alike, so that
// variant spellings meet (Lao ໜ and ຫນ, ຳ and ໍາ). It strips Latin
// diacritics (Vietnamese "đường" -> "duong") but leaves the marks of other
// scripts alone: in Thai or Khmer they are vowels, not accents.
func fold(s string) string {
	s = strings.Map(asciiDigit, strings.ToLower(s))
	s = khmerCoeng.Replace(s)
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prevLatin bool
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r == 'đ':
			r = 'd'
		case unicode.Is(unicode.Mn, r) && prevLatin:
			continue
		}
		prevLatin = r < 0x250 && unicode.IsLetter(r)
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// khmerCoeng writes the subscript da as the subscript ta: Khmer writers use
// both for the same sound (បណ្ដុះ / បណ្តុះ), and the two look alike on screen.
var khmerCoeng = strings.NewReplacer("\u17d2\u178a", "\u17d2\u178f")

// digitZeros are the zero digits of the scripts people type numbers in
// besides ASCII: Thai, Lao, Khmer, Burmese.
var digitZeros = []rune{0x0E50, 0x0ED0, 0x17E0, 0x1040}

// asciiDigit writes native digits as ASCII ones, so "៣០០០០" finds "30000".
func asciiDigit(r rune) rune {
	for _, zero := range digitZeros {
		if r >= zero && r <= zero+9 {
			return '0' + (r - zero)
		}
	}
	return r
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// words splits on anything that is not a letter, mark or digit, and where
// Latin letters meet another script: "ធ្វើOTថ្ងៃ" is three words, so "OT"
// is found as a word of its own.
func words(s string) []string {
	var out []string
	start, prevLatin := -1, false
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		latin := r < 0x250
		if start >= 0 && (!inWord || latin != prevLatin && !unicode.IsMark(r)) {
			out = append(out, s[start:i])
			start = -1
		}
		if inWord && start < 0 {
			start = i
		}
		if inWord && !unicode.IsMark(r) {
			prevLatin = latin
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func isLatinWord(w string) bool {
	for _, r := range w {
		if r >= 0x250 {
			return false
		}
	}
	return true
}

// appendNgrams adds every n-rune substring of w (w itself when shorter
// and n is 2, so that one- and two-letter words still count). The n-grams
// are substrings of w: no copies.
func appendNgrams(out []string, w string, n int) []string {
	var starts [64]int
	idx := starts[:0]
	for i := range w {
		idx = append(idx, i)
	}
	if len(idx) < n {
		if n == 2 {
			out = append(out, w)
		}
		return out
	}
	idx = append(idx, len(w))
	for i := 0; i+n < len(idx); i++ {
		out = append(out, w[idx[i]:idx[i+n]])
	}
	return out
}

// trigramMark starts the trigram terms of unspaced scripts; they count
// less than bigrams (see queryWeight) and reward longer shared runs.
const trigramMark = "\x03"

func appendTrigrams(out []string, w string) []string {
	n := len(out)
	out = appendNgrams(out, w, 3)
	for i := n; i < len(out); i++ {
		out[i] = trigramMark + out[i]
	}
	return out
}
