# Warning flags of conventions.md, and the sanitizer build option.
set(GCIM_C_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes)
if(GCIM_WERROR)
  list(APPEND GCIM_C_WARNINGS -Werror)
endif()
add_compile_options("$<$<COMPILE_LANGUAGE:C>:${GCIM_C_WARNINGS}>")

if(GCIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
