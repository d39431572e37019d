/*
 * lutmpc_cuda.h — C API of the CUDA twins of the native core's hot kernels.
 *
 * Why a plain C header: the Node addon (compiled by the host C++ compiler, no
 * CUDA headers) and the standalone test/bench link against the static library
 * `lutmpc_cuda` through this file only; streams travel as `void*`
 * (a cudaStream_t, NULL = legacy default stream).
 *
 * Semantics match src/kernels/types.ts exactly:
 * - Ring Z_2^l, l in {1, 8, 16, 32, 64}, stored in 1 (l = 1 and 8), 2, 4 or 8
 *   byte unsigned elements; arithmetic wraps mod 2^l; l = 1 results are
 *   reduced to one bit (0/1). Signed values are two's complement.
 * - Matrices are dense row-major.
 *
 * Two flavours of every kernel:
 * - host-pointer functions (`lutmpc_cuda_X`): copy inputs to the device, run,
 *   copy the result back and return when done. `out` may alias an input.
 *   Thread-safe: each host thread works on its own per-thread stream, so the
 *   addon's async workers may call concurrently.
 * - device-pointer functions (`lutmpc_cuda_X_dev`): all array pointers are
 *   device memory; the work is queued on `stream` and the call returns without
 *   waiting. Element-wise ops allow out == input; GEMMs and gathers require
 *   `out` not to overlap an input. Temporary workspace is taken from the
 *   stream-ordered allocator (cudaMallocAsync) on the same stream.
 *
 * Every function returns a lutmpc_cuda_status; on failure a message naming the
 * argument or the CUDA error is available from lutmpc_cuda_last_error() on the
 * calling thread.
 */
#ifndef LUTMPC_CUDA_H
#define LUTMPC_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lutmpc_cuda_status {
  LUTMPC_CUDA_OK = 0,
  LUTMPC_CUDA_EINVAL = 1, /* bad argument: ring width, op, shift count, size overflow */
  LUTMPC_CUDA_ENODEV = 2, /* no CUDA driver or no device */
  LUTMPC_CUDA_ECUDA = 3,  /* a CUDA runtime call or kernel launch failed */
  LUTMPC_CUDA_ENOMEM = 4  /* device allocation failed */
} lutmpc_cuda_status;

typedef enum lutmpc_cuda_binop {
  LUTMPC_CUDA_ADD = 0,
  LUTMPC_CUDA_SUB = 1,
  LUTMPC_CUDA_MUL = 2,
  LUTMPC_CUDA_AND = 3,
  LUTMPC_CUDA_OR = 4,
  LUTMPC_CUDA_XOR = 5
} lutmpc_cuda_binop;

typedef enum lutmpc_cuda_unop { LUTMPC_CUDA_NEG = 0, LUTMPC_CUDA_NOT = 1 } lutmpc_cuda_unop;

typedef enum lutmpc_cuda_shiftop {
  LUTMPC_CUDA_SHL = 0, /* mod 2^l */
  LUTMPC_CUDA_SHR = 1, /* logical */
  LUTMPC_CUDA_SAR = 2  /* arithmetic, sign bit is bit l-1 */
} lutmpc_cuda_shiftop;

/* ---- device discovery and errors ------------------------------------------ */

/** Number of usable CUDA devices; 0 (never a crash) when the driver or a device is absent. */
int lutmpc_cuda_device_count(void);
/** Name and compute capability of `device` (name truncated to name_len - 1 bytes). */
int lutmpc_cuda_device_info(int device, char* name, size_t name_len, int* cc_major, int* cc_minor);
/** Make `device` current for the calling host thread. */
int lutmpc_cuda_set_device(int device);
/** Message of the last failure on the calling thread ("" if none). */
const char* lutmpc_cuda_last_error(void);
/** Short fixed description of a status code. */
const char* lutmpc_cuda_status_string(int status);
/** Wait for all work queued on `stream`. */
int lutmpc_cuda_stream_synchronize(void* stream);

/* ---- element-wise ring ops: out[i] = a[i] op b[i] mod 2^l ------------------ */

int lutmpc_cuda_binary(int op, int l, const void* a, const void* b, void* out, size_t n);
int lutmpc_cuda_unary(int op, int l, const void* a, void* out, size_t n);
/** out[i] = a[i] * s mod 2^l; `s` is the scalar already reduced mod 2^64. */
int lutmpc_cuda_mul_scalar(int l, const void* a, uint64_t s, void* out, size_t n);
/** Shift by k bits, 0 <= k < l. */
int lutmpc_cuda_shift(int op, int l, const void* a, unsigned k, void* out, size_t n);

int lutmpc_cuda_binary_dev(int op, int l, const void* a, const void* b, void* out, size_t n, void* stream);
int lutmpc_cuda_unary_dev(int op, int l, const void* a, void* out, size_t n, void* stream);
int lutmpc_cuda_mul_scalar_dev(int l, const void* a, uint64_t s, void* out, size_t n, void* stream);
int lutmpc_cuda_shift_dev(int op, int l, const void* a, unsigned k, void* out, size_t n, void* stream);

/* ---- matrix products, l in {32, 64} ---------------------------------------- */

/** C (m x n) = A (m x k) * B (k x n) mod 2^l. */
int lutmpc_cuda_gemm(int l, const void* a, const void* b, void* c, size_t m, size_t k, size_t n);
int lutmpc_cuda_gemm_dev(int l, const void* a, const void* b, void* c, size_t m, size_t k, size_t n, void* stream);

/**
 * C (m x n) = X (m x k) * (1 - 2B) mod 2^l; B is k x n bits stored transposed
 * and packed: row j of b_packed (ceil(k/64) words) holds column j of B, bit t
 * of word w being B[64w + t][j]. Padding bits beyond k are ignored.
 */
int lutmpc_cuda_gemm_pm1(int l, const void* x, const uint64_t* b_packed, void* c, size_t m, size_t k, size_t n);
int lutmpc_cuda_gemm_pm1_dev(int l, const void* x, const uint64_t* b_packed, void* c, size_t m, size_t k, size_t n,
                             void* stream);

/* ---- table reads ------------------------------------------------------------
 * `l` is the ring of the table/output, `idx_l` the ring of the index array
 * (any of 1, 8, 16, 32, 64); only the low `bits` bits of an index are used,
 * 0 <= bits <= 40.
 */

/** out[i] = table[idx[i] mod 2^bits], one table of 2^bits entries. */
int lutmpc_cuda_gather_shared(int l, const void* table, unsigned bits, int idx_l, const void* idx, void* out, size_t n);
/** out[i] = tables[i * 2^bits + (idx[i] mod 2^bits)], n tables back to back. */
int lutmpc_cuda_gather_per_element(int l, const void* tables, unsigned bits, int idx_l, const void* idx, void* out,
                                   size_t n);
int lutmpc_cuda_gather_shared_dev(int l, const void* table, unsigned bits, int idx_l, const void* idx, void* out,
                                  size_t n, void* stream);
int lutmpc_cuda_gather_per_element_dev(int l, const void* tables, unsigned bits, int idx_l, const void* idx, void* out,
                                       size_t n, void* stream);

/* ---- randomness -------------------------------------------------------------- */

/**
 * out = AES-128-CTR keystream for `key` starting at the 128-bit big-endian
 * counter block `iv` (incremented mod 2^128 per block), as OpenSSL and
 * node:crypto 'aes-128-ctr' produce it; any nbytes.
 */
int lutmpc_cuda_prg_fill(const uint8_t key[16], const uint8_t iv[16], uint8_t* out, size_t nbytes);
/** Same; key and iv are host memory, out is device memory. */
int lutmpc_cuda_prg_fill_dev(const uint8_t key[16], const uint8_t iv[16], uint8_t* out, size_t nbytes, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* LUTMPC_CUDA_H */
