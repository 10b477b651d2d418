// test_fa.c: feedback alignment (spec/rules/fa.md; spec/notation.md NOT-FB-1,
// NOT-FB-3, NOT-RED-2, NOT-RED-4).
//
// Expected values come from identities, not from ref/:
//   - with B_l = W_l^T (formed here) FA performs exactly the operations of
//     backpropagation, so loss, dW and db equal cr_bp_grad's bit for bit;
//   - with any B, the loss and the output layer (dW_L, db_L) do not involve
//     the feedback (NOT-RED-2), so they equal BP's bit for bit;
//   - delta_{l-1} = f'(a_{l-1}) o (B_l delta_l) is linear in B_l: doubling
//     B_l doubles dW_k and db_k for every k < l exactly (a power-of-two
//     scaling is exact in binary floating point) and leaves k >= l unchanged.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static void check_identity(const tl_problem *p, const char *name)
{
	char label[200];
	snprintf(label, sizeof label, "fa %s B=W^T", name);
	tl_problem q = *p;
	q.F = malloc((p->F_len + 1) * sizeof(double));
	tl_B_from_W(p, p->W, q.F);
	tl_call fa, bp;
	tl_call_init(&fa, &q, TL_FA, label);
	tl_call_init(&bp, &q, TL_BP, label);
	tl_call_expect(&fa, CR_OK, "fa");
	tl_call_expect(&bp, CR_OK, "bp");
	tl_check_bits(label, "loss", fa.loss, bp.loss, 1);
	tl_check_bits(label, "dW", fa.dW, bp.dW, p->W_len);
	tl_check_bits(label, "db", fa.db, bp.db, p->b_len);
	tl_call_free(&fa);
	tl_call_free(&bp);
	free(q.F);
}

static void check_random_B(const tl_problem *p, const char *name)
{
	char label[200];
	snprintf(label, sizeof label, "fa %s random B", name);
	tl_call fa, bp;
	tl_call_init(&fa, p, TL_FA, label);
	tl_call_init(&bp, p, TL_BP, label);
	tl_call_expect(&fa, CR_OK, "fa");
	tl_call_expect(&bp, CR_OK, "bp");
	size_t L = p->depth, oW = tl_off_W(p, L), ob = tl_off_b(p, L);
	tl_check_bits(label, "loss (vs bp)", fa.loss, bp.loss, 1);
	tl_check_bits(label, "dW_L (vs bp)", fa.dW + oW, bp.dW + oW, p->W_len - oW);
	tl_check_bits(label, "db_L (vs bp)", fa.db + ob, bp.db + ob, p->b_len - ob);

	// Doubling B_l doubles the gradients of the layers below l.
	size_t offB = 0;
	for (size_t l = 2; l <= L; l++) {
		size_t nB = p->widths[l - 1] * p->widths[l];
		tl_problem q = *p;
		q.F = malloc(p->F_len * sizeof(double));
		memcpy(q.F, p->F, p->F_len * sizeof(double));
		for (size_t i = 0; i < nB; i++)
			q.F[offB + i] *= 2.0;
		tl_call f2;
		char lab2[240];
		snprintf(lab2, sizeof lab2, "%s, B_%zu doubled", label, l);
		tl_call_init(&f2, &q, TL_FA, lab2);
		tl_call_expect(&f2, CR_OK, "fa");
		size_t cutW = tl_off_W(p, l), cutb = tl_off_b(p, l);
		double *expW = malloc(p->W_len * sizeof(double)), *expb = malloc(p->b_len * sizeof(double));
		for (size_t i = 0; i < p->W_len; i++)
			expW[i] = i < cutW ? 2.0 * fa.dW[i] : fa.dW[i];
		for (size_t i = 0; i < p->b_len; i++)
			expb[i] = i < cutb ? 2.0 * fa.db[i] : fa.db[i];
		tl_check_bits(lab2, "dW", f2.dW, expW, p->W_len);
		tl_check_bits(lab2, "db", f2.db, expb, p->b_len);
		tl_check_bits(lab2, "loss", f2.loss, fa.loss, 1);
		free(expW);
		free(expb);
		tl_call_free(&f2);
		free(q.F);
		offB += nB;
	}
	tl_call_free(&fa);
	tl_call_free(&bp);
}

// Depth 1: there is no feedback matrix (NOT-FB-1); B may be NULL and B_len
// must be 0.
static void check_depth1(gsl_rng *r)
{
	const size_t w[2] = {3, 2};
	const cr_act acts[1] = {{CR_ACT_TANH, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_FA, 1, w, acts, CR_LOSS_MSE, 2);
	tl_call fa, bp;
	tl_call_init(&fa, &p, TL_FA, "fa depth 1, B NULL");
	tl_call_init(&bp, &p, TL_BP, "fa depth 1, B NULL");
	gsl_test(fa.F != NULL || fa.F_len != 0, "fa depth 1: the problem has no B");
	tl_call_expect(&fa, CR_OK, "B = NULL, B_len = 0");
	tl_call_expect(&bp, CR_OK, "bp");
	gsl_test(!tl_same_bits(&fa, &bp), "fa depth 1 must equal bp bit for bit");
	tl_call_free(&fa);

	double one[1] = {0.625};
	tl_call_init(&fa, &p, TL_FA, "fa depth 1, B given, B_len 0");
	fa.F = one;
	tl_call_expect(&fa, CR_OK, "B != NULL, B_len = 0");
	gsl_test(!tl_same_bits(&fa, &bp), "fa depth 1 (B ignored) must equal bp bit for bit");
	tl_call_free(&fa);

	tl_call_init(&fa, &p, TL_FA, "fa depth 1, B_len 1");
	fa.F = one;
	fa.F_len = 1;
	tl_call_expect(&fa, CR_ERR_SIZE_MISMATCH, "B_len = 1 at depth 1");
	tl_call_free(&fa);
	tl_call_free(&bp);
	tl_problem_free(&p);
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 2016);
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		tl_problem p;
		tl_problem_init(&p, r, TL_FA, depth, widths, acts, loss, batch);
		check_identity(&p, name);
		check_random_B(&p, name);
		tl_problem_free(&p);
	}
	check_depth1(r);
	gsl_rng_free(r);
	return gsl_test_summary();
}
