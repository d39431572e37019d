# Builds build/Release/lutmpc.node (the native CPU backend) during
# `npm install`. Baseline ISA only: AVX2 / AVX-512 / AES-NI / VAES code is
# compiled per function (target attributes in the sources) and chosen at run
# time, so one binary runs on any x86-64. Same sources as CMakeLists.txt.
{
  "targets": [
    {
      "target_name": "lutmpc",
      "sources": [
        "native/addon/addon.cpp",
        "native/core/src/cpu.cpp",
        "native/core/src/threads.cpp",
        "native/core/src/ring.cpp",
        "native/core/src/gemm.cpp",
        "native/core/src/gemm_scalar.cpp",
        "native/core/src/gemm_avx2.cpp",
        "native/core/src/gemm_avx512.cpp",
        "native/core/src/gather.cpp",
        "native/core/src/memory.cpp",
        "native/core/src/aes.cpp",
        "native/core/src/aes_portable.cpp",
        "native/core/src/aes_x86.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core/include"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-frtti", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-O3"]
          }
        }],
        ["OS=='win'", {
          "defines": ["_HAS_EXCEPTIONS=1"],
          "msvs_settings": {"VCCLCompilerTool": {"ExceptionHandling": 1}}
        }]
      ]
    }
  ]
}
