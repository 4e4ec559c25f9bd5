# gcim_embed_text(OUT_C SYMBOL INPUT): generates OUT_C defining
# `const char SYMBOL[]` (NUL-terminated) and `const unsigned long SYMBOL##Size`
# with the bytes of INPUT, regenerated whenever INPUT changes.
set(GCIM_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/EmbedText.cmake")
function(gcim_embed_text out_c symbol input)
  add_custom_command(
    OUTPUT "${out_c}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out_c} -DSYMBOL=${symbol}
            -P "${GCIM_EMBED_SCRIPT}"
    DEPENDS "${input}" "${GCIM_EMBED_SCRIPT}"
    COMMENT "Embedding ${input}")
endfunction()
