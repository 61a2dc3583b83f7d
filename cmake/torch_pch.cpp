// The translation unit that LibTorch's precompiled header is built with (cmake/QdTorchPch.cmake).
