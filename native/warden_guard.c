/*
 * The hot loop of the guard's prompt-attack classifier (src/guard/features.ts and model.ts): hashes the character
 * n-grams and word uni/bigrams of a collapsed text (FNV-1a with the MurmurHash3 finaliser, the "hashing trick" of
 * Weinberger et al. 2009), drops repeats within the dedupe distance, and adds each remaining n-gram's int8 class
 * weights into per-block sums, in one pass and without materialising the features. The JavaScript implementation
 * (`featuresOfCollapsed` + `scoreStream`) defines the result; this computes the same integers several times faster
 * and is property-tested against it.
 *
 * Exports:
 *   collapse(text: string, fold: Uint16Array(65536), codes: Uint16Array, origin: Int32Array) -> collapsed length
 * copies the text's UTF-16 code units into codes (at least text.length + 1 long) and collapses them in place: each unit
 * becomes fold[unit]; a 0 is whitespace, and a run of it becomes one space. origin[i] is the text index of
 * collapsed unit i.
 *   blockSums(codes: Uint16Array, length, params: Int32Array, seeds: Int32Array, q: Int8Array,
 *             cum: Int32Array, cnt: Int32Array, tail: Int32Array) -> number of n-grams added
 * params = [charMin, charMax, wordBigrams, dedupe, bits, unit, tailStart]; seeds = one per char n-gram length
 * (index n, 0..charMax), then the word and bigram seeds; q = interleaved weights q[bucket * 3 + class]. Adds into
 * cum[(pos / unit + 1) * 3 + k] and cnt[pos / unit + 1], and into tail[0..2] / tail[3] for n-grams at or after
 * tailStart. Every length is checked; a mismatch throws.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME 0x01000193u
#define SLOT_BITS 14
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

static inline uint32_t fmix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

static inline int is_word_char(uint32_t c) {
  return (c >= 0x61 && c <= 0x7a) || c == 0x30 || (c > 0xbf && c != 0xfffd && !(c >= 0x2000 && c <= 0x2bff));
}

/*
 * Adds bucket B of the n-gram at POS unless the same bucket was added less than `dedupe` chars before. A macro over
 * the caller's locals: they are not aliased by the stores into the sums, so they stay in registers.
 */
#define ADD(POS, B)                                                                                   \
  do {                                                                                                \
    uint32_t pos_ = (POS), b_ = (B);                                                                  \
    if (dedupe > 0) {                                                                                 \
      uint32_t slot_ = b_ & SLOT_MASK;                                                                \
      int32_t p_ = (int32_t)(dedupe + pos_);                                                          \
      if (slot_bucket[slot_] == (int32_t)b_ && p_ - slot_pos[slot_] < (int32_t)dedupe) break;         \
      slot_bucket[slot_] = (int32_t)b_;                                                               \
      slot_pos[slot_] = p_;                                                                           \
    }                                                                                                 \
    const int8_t *w_ = q + (size_t)b_ * 3;                                                            \
    uint32_t blk_ = (pow2 ? pos_ >> shift : pos_ / unit) + 1;                                         \
    cum[blk_ * 3] += w_[0];                                                                           \
    cum[blk_ * 3 + 1] += w_[1];                                                                       \
    cum[blk_ * 3 + 2] += w_[2];                                                                       \
    cnt[blk_]++;                                                                                      \
    if (pos_ >= tail_start) {                                                                         \
      tail[0] += w_[0];                                                                               \
      tail[1] += w_[1];                                                                               \
      tail[2] += w_[2];                                                                               \
      tail[3]++;                                                                                      \
    }                                                                                                 \
    count++;                                                                                          \
  } while (0)

/* The n-gram pass over checked arguments; the number of n-grams added, or -1 when out of memory. */
static int64_t sum_ngrams(const uint16_t *codes, uint32_t length, int32_t char_min, int32_t char_max, int32_t bigrams,
                          int32_t dedupe_arg, int32_t bits, int32_t unit_arg, int32_t tail_arg, const int32_t *seeds,
                          const int8_t *q, int32_t *restrict cum, int32_t *restrict cnt, int32_t *restrict tail) {
  const uint32_t unit = (uint32_t)unit_arg, tail_start = (uint32_t)tail_arg, dedupe = (uint32_t)dedupe_arg;
  uint32_t shift = 0, count = 0;
  while ((1u << shift) < unit) shift++;
  const int pow2 = (1u << shift) == unit;
  int32_t *slot_bucket = NULL, *slot_pos = NULL;
  if (dedupe > 0) {
    slot_bucket = malloc(sizeof(int32_t) << SLOT_BITS);
    slot_pos = malloc(sizeof(int32_t) << SLOT_BITS);
    if (!slot_bucket || !slot_pos) {
      free(slot_bucket);
      free(slot_pos);
      return -1;
    }
    memset(slot_bucket, 0xff, sizeof(int32_t) << SLOT_BITS);
  }
  const uint32_t mask = (1u << bits) - 1;
  const uint32_t cmin = (uint32_t)char_min, cmax = (uint32_t)char_max;
  for (uint32_t i = 0; i + cmin <= length; i++) {
    uint32_t h = FNV_OFFSET;
    for (uint32_t k = i; k < i + cmin - 1; k++) h = (h ^ codes[k]) * FNV_PRIME;
    uint32_t last = i + cmax < length ? i + cmax : length;
    for (uint32_t k = i + cmin - 1; k < last; k++) {
      h = (h ^ codes[k]) * FNV_PRIME;
      ADD(i, fmix(h ^ (uint32_t)seeds[k - i + 1]) & mask);
    }
  }
  const uint32_t word_seed = (uint32_t)seeds[cmax + 1], bigram_seed = (uint32_t)seeds[cmax + 2];
  uint32_t prev = 0;
  for (uint32_t i = 0; i < length;) {
    if (!is_word_char(codes[i])) {
      i++;
      continue;
    }
    uint32_t start = i, h = FNV_OFFSET;
    while (i < length && is_word_char(codes[i])) h = (h ^ codes[i++]) * FNV_PRIME;
    ADD(start, fmix(h ^ word_seed) & mask);
    if (bigrams && prev != 0) ADD(start, fmix((prev * 31u) ^ h ^ bigram_seed) & mask);
    prev = h | 1u;
  }
  free(slot_bucket);
  free(slot_pos);
  return count;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, v, &type, len, data, &buffer, &offset) != napi_ok) return 0;
  return type == want;
}

static napi_value block_sums(napi_env env, napi_callback_info info) {
  size_t argc = 8, codes_len, params_len, seeds_len, q_len, cum_len, cnt_len, tail_len;
  napi_value argv[8];
  uint16_t *codes;
  int32_t *params, *seeds, *restrict cum, *restrict cnt, *restrict tail;
  int8_t *q;
  uint32_t length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 8 || !typed(env, argv[0], napi_uint16_array, (void **)&codes, &codes_len) ||
      napi_get_value_uint32(env, argv[1], &length) != napi_ok ||
      !typed(env, argv[2], napi_int32_array, (void **)&params, &params_len) ||
      !typed(env, argv[3], napi_int32_array, (void **)&seeds, &seeds_len) ||
      !typed(env, argv[4], napi_int8_array, (void **)&q, &q_len) ||
      !typed(env, argv[5], napi_int32_array, (void **)&cum, &cum_len) ||
      !typed(env, argv[6], napi_int32_array, (void **)&cnt, &cnt_len) ||
      !typed(env, argv[7], napi_int32_array, (void **)&tail, &tail_len) || params_len != 7) {
    napi_throw_type_error(env, NULL, "warden_guard: bad arguments");
    return NULL;
  }
  int32_t char_min = params[0], char_max = params[1], bigrams = params[2], dedupe_arg = params[3], bits = params[4],
          unit_arg = params[5], tail_arg = params[6];
  size_t blocks = unit_arg > 0 ? ((size_t)length + (size_t)unit_arg - 1) / (size_t)unit_arg : 0;
  if (length > codes_len || length > (1u << 30) || char_min < 1 || char_max < char_min || char_max > 64 ||
      seeds_len < (size_t)char_max + 3 || dedupe_arg < 0 || dedupe_arg > (1 << 20) || bits < 8 || bits > 22 ||
      q_len < ((size_t)1 << bits) * 3 || unit_arg < 1 || tail_arg < 0 || cum_len < (blocks + 1) * 3 ||
      cnt_len < blocks + 1 || tail_len < 4) {
    napi_throw_range_error(env, NULL, "warden_guard: lengths or settings out of range");
    return NULL;
  }
  int64_t count = sum_ngrams(codes, length, char_min, char_max, bigrams, dedupe_arg, bits, unit_arg, tail_arg, seeds, q,
                             cum, cnt, tail);
  if (count < 0) {
    napi_throw_error(env, NULL, "warden_guard: out of memory");
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)count, &result);
  return result;
}

static napi_value collapse_text(napi_env env, napi_callback_info info) {
  size_t argc = 4, fold_len, codes_len, origin_len, text_len = 0, copied = 0;
  napi_value argv[4];
  uint16_t *fold, *codes;
  int32_t *origin;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 4 || napi_get_value_string_utf16(env, argv[0], NULL, 0, &text_len) != napi_ok ||
      !typed(env, argv[1], napi_uint16_array, (void **)&fold, &fold_len) ||
      !typed(env, argv[2], napi_uint16_array, (void **)&codes, &codes_len) ||
      !typed(env, argv[3], napi_int32_array, (void **)&origin, &origin_len)) {
    napi_throw_type_error(env, NULL, "warden_guard: bad arguments");
    return NULL;
  }
  if (fold_len != 65536 || codes_len < text_len + 1 || origin_len < text_len || text_len > (1u << 30)) {
    napi_throw_range_error(env, NULL, "warden_guard: lengths out of range");
    return NULL;
  }
  napi_get_value_string_utf16(env, argv[0], (char16_t *)codes, codes_len, &copied);
  uint32_t n = 0;
  int prev_space = 1;
  for (uint32_t i = 0; i < (uint32_t)copied; i++) {
    uint16_t f = fold[codes[i]];
    if (f == 0) {
      if (!prev_space) {
        codes[n] = 0x20;
        origin[n++] = (int32_t)i;
        prev_space = 1;
      }
      continue;
    }
    prev_space = 0;
    codes[n] = f;
    origin[n++] = (int32_t)i;
  }
  napi_value result;
  napi_create_uint32(env, n, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"collapse", NULL, collapse_text, NULL, NULL, NULL, napi_default, NULL},
      {"blockSums", NULL, block_sums, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
