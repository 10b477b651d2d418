// status.c: the stable names of cr_status (spec/vectors.md, error names).
#include "credit.h"

const char *cr_status_name(int status)
{
	switch (status) {
	case CR_OK:                   return "ok";
	case CR_ERR_NULL:             return "null_pointer";
	case CR_ERR_ZERO_SIZE:        return "zero_size";
	case CR_ERR_SIZE:             return "size_too_large";
	case CR_ERR_SIZE_MISMATCH:    return "size_mismatch";
	case CR_ERR_ACTIVATION:       return "unknown_activation";
	case CR_ERR_LOSS:             return "unknown_loss";
	case CR_ERR_PARAM:            return "invalid_parameter";
	case CR_ERR_NONFINITE_INPUT:  return "non_finite_input";
	case CR_ERR_NONFINITE_RESULT: return "non_finite_result";
	case CR_ERR_WORKSPACE:        return "workspace_too_small";
	default:                      return "unknown_status";
	}
}
