/*
 * AES-256-GCM (NIST SP 800-38D) over batches of WARDENC v1 chunks (src/core/crypto/stream-format.ts), computed by the
 * system's OpenSSL libcrypto. Node's bundled OpenSSL is used everywhere else; this addon exists only because the
 * system library has the VAES/AVX-512 GCM code paths and runs several times faster on CPUs that have them.
 *
 * libcrypto is opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) and its functions are looked up by name, so neither the
 * addon nor libcrypto itself binds to the OpenSSL symbols that the node executable exports. Only the stable OpenSSL
 * 3 EVP ABI is used, declared here, so no OpenSSL headers are needed to build.
 *
 * Exports (all synchronous, no allocation per chunk):
 *   available(): boolean
 *   seal(key32, prefix7, aad, input, chunkSize, counter, lastIsFinal, output) -> undefined
 *   open(key32, prefix7, aad, input, chunkSize, counter, lastIsFinal, output) -> index of the first chunk that fails
 *     authentication, or -1
 * `input` for seal is plaintext cut in chunks of chunkSize (the last may be shorter); output is ciphertext||tag per
 * chunk, contiguous, exactly as the file format stores them. open is the inverse.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;

#define EVP_CTRL_GCM_GET_TAG 0x10
#define EVP_CTRL_GCM_SET_TAG 0x11
#define TAG_LEN 16

static struct {
  int loaded;
  EVP_CIPHER_CTX *(*ctx_new)(void);
  void (*ctx_free)(EVP_CIPHER_CTX *);
  const EVP_CIPHER *(*aes_256_gcm)(void);
  int (*enc_init)(EVP_CIPHER_CTX *, const EVP_CIPHER *, void *, const unsigned char *, const unsigned char *);
  int (*enc_update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int);
  int (*enc_final)(EVP_CIPHER_CTX *, unsigned char *, int *);
  int (*dec_init)(EVP_CIPHER_CTX *, const EVP_CIPHER *, void *, const unsigned char *, const unsigned char *);
  int (*dec_update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int);
  int (*dec_final)(EVP_CIPHER_CTX *, unsigned char *, int *);
  int (*ctrl)(EVP_CIPHER_CTX *, int, int, void *);
} ssl;

static int load_libcrypto(void) {
  if (ssl.loaded) return ssl.loaded > 0;
  ssl.loaded = -1;
  void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!h) return 0;
#define SYM(field, name) \
  if (!(*(void **)(&ssl.field) = dlsym(h, name))) return 0;
  SYM(ctx_new, "EVP_CIPHER_CTX_new")
  SYM(ctx_free, "EVP_CIPHER_CTX_free")
  SYM(aes_256_gcm, "EVP_aes_256_gcm")
  SYM(enc_init, "EVP_EncryptInit_ex")
  SYM(enc_update, "EVP_EncryptUpdate")
  SYM(enc_final, "EVP_EncryptFinal_ex")
  SYM(dec_init, "EVP_DecryptInit_ex")
  SYM(dec_update, "EVP_DecryptUpdate")
  SYM(dec_final, "EVP_DecryptFinal_ex")
  SYM(ctrl, "EVP_CIPHER_CTX_ctrl")
#undef SYM
  ssl.loaded = 1;
  return 1;
}

static void nonce_of(unsigned char nonce[12], const unsigned char *prefix, uint32_t counter, int final) {
  memcpy(nonce, prefix, 7);
  nonce[7] = (unsigned char)(counter >> 24);
  nonce[8] = (unsigned char)(counter >> 16);
  nonce[9] = (unsigned char)(counter >> 8);
  nonce[10] = (unsigned char)counter;
  nonce[11] = final ? 1 : 0;
}

typedef struct {
  unsigned char *key, *prefix, *aad, *input, *output;
  size_t key_len, prefix_len, aad_len, input_len, output_len;
  uint32_t chunk, counter;
  int last_final;
} batch_args;

static int bytes_arg(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return 0;
  napi_typedarray_type type;
  size_t length, offset;
  napi_value buffer;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (unsigned char *)ptr;
  *len = length;
  return 1;
}

/* Parses the eight arguments and checks every length; throws and returns 0 on any mismatch. */
static int parse_batch(napi_env env, napi_callback_info info, batch_args *a, size_t *chunks, int sealing) {
  size_t argc = 8;
  napi_value argv[8];
  bool fin = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 8 || !bytes_arg(env, argv[0], &a->key, &a->key_len) ||
      !bytes_arg(env, argv[1], &a->prefix, &a->prefix_len) || !bytes_arg(env, argv[2], &a->aad, &a->aad_len) ||
      !bytes_arg(env, argv[3], &a->input, &a->input_len) || napi_get_value_uint32(env, argv[4], &a->chunk) != napi_ok ||
      napi_get_value_uint32(env, argv[5], &a->counter) != napi_ok || napi_get_value_bool(env, argv[6], &fin) != napi_ok ||
      !bytes_arg(env, argv[7], &a->output, &a->output_len)) {
    napi_throw_type_error(env, NULL, "warden_gcm: bad arguments");
    return 0;
  }
  a->last_final = fin;
  int ok = a->key_len == 32 && a->prefix_len == 7 && a->chunk > 0 && a->chunk <= (1u << 24) && a->aad_len < (1u << 20);
  if (ok && sealing) {
    *chunks = a->input_len == 0 ? 1 : (a->input_len + a->chunk - 1) / a->chunk;
    ok = a->output_len == a->input_len + *chunks * TAG_LEN;
  } else if (ok) {
    size_t record = (size_t)a->chunk + TAG_LEN;
    *chunks = (a->input_len + record - 1) / record;
    ok = a->input_len > 0 && a->input_len - (*chunks - 1) * record >= TAG_LEN &&
         a->output_len == a->input_len - *chunks * TAG_LEN;
  }
  if (ok) ok = (uint64_t)a->counter + *chunks <= 0x100000000ull;
  if (!ok) {
    napi_throw_range_error(env, NULL, "warden_gcm: lengths do not match the chunk layout");
    return 0;
  }
  return 1;
}

static napi_value throw_unavailable(napi_env env) {
  napi_throw_error(env, NULL, "warden_gcm: libcrypto.so.3 is not available");
  return NULL;
}

static napi_value seal(napi_env env, napi_callback_info info) {
  batch_args a;
  size_t chunks;
  if (!parse_batch(env, info, &a, &chunks, 1)) return NULL;
  if (!load_libcrypto()) return throw_unavailable(env);
  EVP_CIPHER_CTX *ctx = ssl.ctx_new();
  int ok = ctx && ssl.enc_init(ctx, ssl.aes_256_gcm(), NULL, a.key, NULL);
  const unsigned char *in = a.input;
  unsigned char *out = a.output;
  size_t left = a.input_len;
  for (size_t i = 0; ok && i < chunks; i++) {
    unsigned char nonce[12];
    int n = (int)(left < a.chunk ? left : a.chunk), len = 0, fin_len = 0;
    nonce_of(nonce, a.prefix, a.counter + (uint32_t)i, a.last_final && i == chunks - 1);
    ok = ssl.enc_init(ctx, NULL, NULL, NULL, nonce) && ssl.enc_update(ctx, NULL, &len, a.aad, (int)a.aad_len) &&
         ssl.enc_update(ctx, out, &len, in, n) && ssl.enc_final(ctx, out + len, &fin_len) &&
         ssl.ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + n);
    in += n;
    out += n + TAG_LEN;
    left -= n;
  }
  if (ctx) ssl.ctx_free(ctx);
  if (!ok) napi_throw_error(env, NULL, "warden_gcm: libcrypto failed to encrypt");
  return NULL;
}

static napi_value open_batch(napi_env env, napi_callback_info info) {
  batch_args a;
  size_t chunks;
  if (!parse_batch(env, info, &a, &chunks, 0)) return NULL;
  if (!load_libcrypto()) return throw_unavailable(env);
  EVP_CIPHER_CTX *ctx = ssl.ctx_new();
  if (!ctx || !ssl.dec_init(ctx, ssl.aes_256_gcm(), NULL, a.key, NULL)) {
    if (ctx) ssl.ctx_free(ctx);
    napi_throw_error(env, NULL, "warden_gcm: libcrypto failed to set up decryption");
    return NULL;
  }
  int64_t failed = -1;
  const unsigned char *in = a.input;
  unsigned char *out = a.output;
  size_t left = a.input_len;
  for (size_t i = 0; failed < 0 && i < chunks; i++) {
    unsigned char nonce[12];
    size_t record = left < (size_t)a.chunk + TAG_LEN ? left : (size_t)a.chunk + TAG_LEN;
    int n = (int)(record - TAG_LEN), len = 0, fin_len = 0;
    nonce_of(nonce, a.prefix, a.counter + (uint32_t)i, a.last_final && i == chunks - 1);
    if (!(ssl.dec_init(ctx, NULL, NULL, NULL, nonce) && ssl.dec_update(ctx, NULL, &len, a.aad, (int)a.aad_len) &&
          ssl.dec_update(ctx, out, &len, in, n) && ssl.ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)(in + n)) &&
          ssl.dec_final(ctx, out + len, &fin_len) > 0)) {
      failed = (int64_t)i;
    }
    in += record;
    out += n;
    left -= record;
  }
  ssl.ctx_free(ctx);
  napi_value result;
  napi_create_int64(env, failed, &result);
  return result;
}

static napi_value available(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, load_libcrypto(), &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"available", NULL, available, NULL, NULL, NULL, napi_default, NULL},
      {"seal", NULL, seal, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_batch, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
