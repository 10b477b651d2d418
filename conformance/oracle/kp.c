// conformance/oracle/kp.c: Kolen-Pollack steps and trajectories with GSL
// (spec/rules/kp.md KP-STEP-1..6, spec/notation.md NOT-STEP-1..5). See
// oracle.h for the interface.
//
// A step is FA's loss and gradient (cro_grad_g with rule FA, KP-STEP-1) for
// the state it starts from, followed by the update of KP-STEP-2..5, done with
// GSL matrix operations: W' = c W - eta dW as gsl_matrix_scale (c W, rounded),
// gsl_matrix_scale (eta dW, rounded) and gsl_matrix_sub (the difference,
// rounded); B' = c B - eta dW^T the same way on gsl_matrix_transpose_memcpy of
// dW; b' = b - eta db with the vector operations. Every value carries its
// gauge (NOT-TOL-1, NOT-STEP-4) and the step the tolerance factor of
// NOT-STEP-5, so a trajectory is steps chained with their gauges and factors.
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

// Roundings the update adds to a state entry in one step (kp.md: two
// products and a difference), r of NOT-STEP-5.
#define KP_ROUNDINGS 3.0

cro_status cro_kp_check_params(double eta, double decay)
{
	// KP-IN-2. Written so that NaN fails every comparison.
	if (!isfinite(eta) || !(eta > 0.0) || !isfinite(decay) || !(decay >= 0.0))
		return CRO_ERR_PARAM;
	return CRO_OK;
}

static int finite_all(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

// calloc of n doubles, at least one (an invalid network has length 0).
static double *dalloc(size_t n)
{
	return calloc(n ? n : 1, sizeof(double));
}

cro_status cro_kp_step(const cro_net *net, size_t batch, double eta, double decay,
                       const double *W, size_t W_len, const double *b, size_t b_len,
                       const double *B, size_t B_len,
                       const double *x, size_t x_len, const double *t, size_t t_len,
                       const double *GW, const double *Gb, const double *GB, double k_in,
                       cro_kp_out *out)
{
	gsl_set_error_handler_off();
	// KP-API-1: the hyper-parameters first.
	cro_status st = cro_kp_check_params(eta, decay);
	if (st != CRO_OK)
		return st;
	if (!out)
		return CRO_ERR_NULL;
	const size_t Wn = cro_W_len(net), bn = cro_b_len(net), An = cro_a_len(net, batch);
	double *dW = dalloc(Wn), *dWg = dalloc(Wn), *db = dalloc(bn), *dbg = dalloc(bn);
	double *a = dalloc(An), *ag = dalloc(An);
	gsl_matrix *T = NULL, *GT = NULL;
	cro_out g;
	memset(&g, 0, sizeof g);
	g.dW = dW; g.dW_gauge = dWg; g.db = db; g.db_gauge = dbg; g.a = a; g.a_gauge = ag;
	if (!dW || !dWg || !db || !dbg || !a || !ag) {
		st = CRO_ERR_NOMEM;
		goto done;
	}
	// KP-STEP-1, KP-STEP-6: FA's loss and gradient of the state as it is.
	st = cro_grad_g(net, CRO_RULE_FA, batch, W, W_len, b, b_len, B, B_len, x, x_len,
	                t, t_len, GW, Gb, GB, &g);
	if (st != CRO_OK)
		goto done;
	if (!out->W || !out->W_gauge || !out->b || !out->b_gauge ||
	    (B_len > 0 && (!out->B || !out->B_gauge))) {
		st = CRO_ERR_NULL;
		goto done;
	}
	if (!isfinite(k_in) || !(k_in >= 0.0)) {
		st = CRO_ERR_GAUGE;
		goto done;
	}

	// KP-STEP-2: c = 1 - eta decay, the product rounded, then the
	// difference; G(eta decay) = |eta| |decay| + |eta| |decay| (NOT-TOL-1).
	const double p = eta * decay;
	const double c = 1.0 - p;
	const double Gc = 2.0 * fabs(eta) * fabs(decay);
	const double ae = fabs(eta), ac = fabs(c);
	const size_t L = net->depth, *n = net->widths;
	size_t maxw = 0;
	for (size_t l = 0; l <= L; l++)
		if (n[l] > maxw)
			maxw = n[l];
	T = gsl_matrix_alloc(maxw, maxw);
	GT = gsl_matrix_alloc(maxw, maxw);
	if (!T || !GT) {
		st = CRO_ERR_NOMEM;
		goto done;
	}
	size_t wo = 0, bo = 0, fo = 0;
	for (size_t l = 1; l <= L; l++) {
		const size_t r = n[l], q = n[l - 1];
		// KP-STEP-3: W_l' = c W_l - eta dW_l.
		gsl_matrix_const_view Wl = gsl_matrix_const_view_array(W + wo, r, q);
		gsl_matrix_const_view dWl = gsl_matrix_const_view_array(dW + wo, r, q);
		gsl_matrix_view Wx = gsl_matrix_view_array(out->W + wo, r, q);
		gsl_matrix_view Tl = gsl_matrix_submatrix(T, 0, 0, r, q);
		gsl_matrix_memcpy(&Wx.matrix, &Wl.matrix);
		gsl_matrix_scale(&Wx.matrix, c);
		gsl_matrix_memcpy(&Tl.matrix, &dWl.matrix);
		gsl_matrix_scale(&Tl.matrix, eta);
		gsl_matrix_sub(&Wx.matrix, &Tl.matrix);
		// G(W') = G(c)|W| + |c|G(W) + |eta||dW| + |eta|G(dW).
		for (size_t i = 0; i < r * q; i++) {
			const double w = W[wo + i], Gw = GW ? GW[wo + i] : fabs(w);
			out->W_gauge[wo + i] = Gc * fabs(w) + ac * Gw + ae * fabs(dW[wo + i]) +
			                       ae * dWg[wo + i];
		}
		if (l >= 2) {
			// KP-STEP-4: B_l' = c B_l - eta dW_l^T, B_l is q x r.
			gsl_matrix_const_view Bl = gsl_matrix_const_view_array(B + fo, q, r);
			gsl_matrix_const_view dWgl = gsl_matrix_const_view_array(dWg + wo, r, q);
			gsl_matrix_view Bx = gsl_matrix_view_array(out->B + fo, q, r);
			gsl_matrix_view Ut = gsl_matrix_submatrix(T, 0, 0, q, r);
			gsl_matrix_view GUt = gsl_matrix_submatrix(GT, 0, 0, q, r);
			gsl_matrix_memcpy(&Bx.matrix, &Bl.matrix);
			gsl_matrix_scale(&Bx.matrix, c);
			gsl_matrix_transpose_memcpy(&Ut.matrix, &dWl.matrix);
			gsl_matrix_transpose_memcpy(&GUt.matrix, &dWgl.matrix);
			// The gauge uses the unscaled dW^T, so it is formed before
			// the scaling by eta.
			for (size_t j = 0; j < q; j++)
				for (size_t i = 0; i < r; i++) {
					const double v = B[fo + j * r + i];
					const double Gv = GB ? GB[fo + j * r + i] : fabs(v);
					const double d = gsl_matrix_get(&Ut.matrix, j, i);
					out->B_gauge[fo + j * r + i] = Gc * fabs(v) + ac * Gv + ae * fabs(d) +
					                               ae * gsl_matrix_get(&GUt.matrix, j, i);
				}
			gsl_matrix_scale(&Ut.matrix, eta);
			gsl_matrix_sub(&Bx.matrix, &Ut.matrix);
			fo += q * r;
		}
		// KP-STEP-5: b_l' = b_l - eta db_l; no decay, no feedback.
		gsl_vector_const_view bl = gsl_vector_const_view_array(b + bo, r);
		gsl_vector_const_view dbl = gsl_vector_const_view_array(db + bo, r);
		gsl_vector_view bx = gsl_vector_view_array(out->b + bo, r);
		gsl_vector_view tv = gsl_matrix_row(T, 0);
		gsl_vector_view tl = gsl_vector_subvector(&tv.vector, 0, r);
		gsl_vector_memcpy(&bx.vector, &bl.vector);
		gsl_vector_memcpy(&tl.vector, &dbl.vector);
		gsl_vector_scale(&tl.vector, eta);
		gsl_vector_sub(&bx.vector, &tl.vector);
		for (size_t i = 0; i < r; i++) {
			const double Gv = Gb ? Gb[bo + i] : fabs(b[bo + i]);
			out->b_gauge[bo + i] = Gv + ae * fabs(db[bo + i]) + ae * dbg[bo + i];
		}
		wo += r * q;
		bo += r;
	}

	out->loss = g.loss;
	out->loss_gauge = g.loss_gauge;
	out->c = c;
	out->c_gauge = Gc;
	out->k_grad = g.k_grad;
	out->k_loss = k_in + g.k_loss;
	out->k_state = k_in + g.k_grad + 2.0 * KP_ROUNDINGS;
	// NOT-STEP-6: the pre-activations carry the state's factor k_in too.
	out->ties = cro_relu_ties_k(net, batch, a, ag, k_in + g.k_grad);
	if (out->dW)
		memcpy(out->dW, dW, Wn * sizeof(double));
	if (out->dW_gauge)
		memcpy(out->dW_gauge, dWg, Wn * sizeof(double));
	if (out->db)
		memcpy(out->db, db, bn * sizeof(double));
	if (out->db_gauge)
		memcpy(out->db_gauge, dbg, bn * sizeof(double));
	if (out->a)
		memcpy(out->a, a, An * sizeof(double));
	if (out->a_gauge)
		memcpy(out->a_gauge, ag, An * sizeof(double));
	// NOT-NET-5, KP-ERR-1: a new state entry that is not finite.
	if (!finite_all(out->W, Wn) || !finite_all(out->b, bn) ||
	    (B_len > 0 && !finite_all(out->B, B_len)))
		st = CRO_ERR_NONFINITE_RESULT;
	else if (!isfinite(Gc) || !finite_all(out->W_gauge, Wn) || !finite_all(out->b_gauge, bn) ||
	         (B_len > 0 && !finite_all(out->B_gauge, B_len)))
		st = CRO_ERR_GAUGE;
done:
	gsl_matrix_free(T);
	gsl_matrix_free(GT);
	free(dW); free(dWg); free(db); free(dbg); free(a); free(ag);
	return st;
}

cro_status cro_kp_traj(const cro_net *net, double eta, double decay,
                       const double *W, size_t W_len, const double *b, size_t b_len,
                       const double *B, size_t B_len,
                       size_t steps, const size_t *batch,
                       const double *x, size_t x_len, const double *t, size_t t_len,
                       cro_kp_traj_out *out)
{
	cro_status st = cro_kp_check_params(eta, decay);
	if (st != CRO_OK)
		return st;
	if (steps == 0) // KP-ERR-1: no step at all
		return CRO_ERR_ZERO_SIZE;
	if (!out || !batch || !out->loss || !out->loss_gauge || !out->W || !out->W_gauge ||
	    !out->b || !out->b_gauge || (B_len > 0 && (!out->B || !out->B_gauge)))
		return CRO_ERR_NULL;
	out->failed_step = steps;
	st = cro_net_check(net);
	if (st != CRO_OK)
		return st;
	const size_t n0 = net->widths[0], nL = net->widths[net->depth], bn = cro_b_len(net);
	size_t xs = 0, ts = 0, as = 0;
	for (size_t s = 0; s < steps; s++) {
		if (batch[s] == 0)
			return CRO_ERR_ZERO_SIZE;
		// Sums of N_s n_0, N_s n_L and N_s sum n_l, refusing overflow.
		if (batch[s] > ((size_t)-1 - xs) / n0 || batch[s] > ((size_t)-1 - ts) / nL ||
		    (bn > 0 && batch[s] > ((size_t)-1 - as) / bn))
			return CRO_ERR_SIZE;
		xs += batch[s] * n0;
		ts += batch[s] * nL;
		as += batch[s] * bn;
	}
	if (x_len != xs || t_len != ts)
		return CRO_ERR_SIZE_MISMATCH;
	if (!W || !b || !x || !t || (B_len > 0 && !B))
		return CRO_ERR_NULL;

	const double *cW = W, *cb = b, *cB = B, *GW = NULL, *Gb = NULL, *GB = NULL;
	double k = 0.0;
	size_t xo = 0, to = 0, ao = 0;
	out->ties = 0;
	for (size_t s = 0; s < steps; s++) {
		cro_kp_out o;
		memset(&o, 0, sizeof o);
		o.W = out->W + s * W_len;
		o.W_gauge = out->W_gauge + s * W_len;
		o.b = out->b + s * b_len;
		o.b_gauge = out->b_gauge + s * b_len;
		if (B_len > 0) {
			o.B = out->B + s * B_len;
			o.B_gauge = out->B_gauge + s * B_len;
		}
		if (out->a && out->a_gauge) {
			o.a = out->a + ao;
			o.a_gauge = out->a_gauge + ao;
		}
		st = cro_kp_step(net, batch[s], eta, decay, cW, W_len, cb, b_len, cB, B_len,
		                 x + xo, batch[s] * n0, t + to, batch[s] * nL, GW, Gb, GB, k, &o);
		if (st != CRO_OK) {
			out->failed_step = s;
			return st;
		}
		out->loss[s] = o.loss;
		out->loss_gauge[s] = o.loss_gauge;
		out->ties += o.ties;
		out->c = o.c;
		out->c_gauge = o.c_gauge;
		out->k_loss = o.k_loss;
		// NOT-STEP-4/5: the next step starts from this state, its gauges
		// and its factor.
		k = o.k_state;
		cW = o.W; GW = o.W_gauge;
		cb = o.b; Gb = o.b_gauge;
		cB = o.B; GB = o.B_gauge;
		xo += batch[s] * n0;
		to += batch[s] * nL;
		ao += batch[s] * bn;
	}
	out->k_state = k;
	return CRO_OK;
}
