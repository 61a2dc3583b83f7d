#pragma once
// doctest for files that use LibTorch. Debian's LibTorch includes glog, whose CHECK, CHECK_EQ...
// would silently replace doctest's (a failing CHECK then aborts the whole suite): include this
// instead of both headers, first.

#include <torch/torch.h>

#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_LE
#undef CHECK_LT
#undef CHECK_GE
#undef CHECK_GT

#include <doctest/doctest.h>
