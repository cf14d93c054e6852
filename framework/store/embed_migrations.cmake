# vikno_embed_migrations(<target> <dialect>)
#
# Embeds framework/store/migrations/<dialect>/NNN_name.sql into <target> at
# build time: a generated .cc defines `std::span<const Migration>
# <Dialect>Migrations()` (store/migrations.h), e.g. SqliteMigrations(),
# MysqlMigrations(). The binary then carries its schema and needs no files
# beside it. Adding a .sql file re-runs the configure step (CONFIGURE_DEPENDS);
# editing one regenerates the .cc.
set_property(GLOBAL PROPERTY VIKNO_MIGRATIONS_GENERATOR
             ${CMAKE_CURRENT_LIST_DIR}/generate_migrations.cmake)
set_property(GLOBAL PROPERTY VIKNO_MIGRATIONS_ROOT ${CMAKE_CURRENT_LIST_DIR}/migrations)

function(vikno_embed_migrations target dialect)
  get_property(generator GLOBAL PROPERTY VIKNO_MIGRATIONS_GENERATOR)
  get_property(root GLOBAL PROPERTY VIKNO_MIGRATIONS_ROOT)
  set(dir ${root}/${dialect})
  if(NOT IS_DIRECTORY ${dir})
    message(FATAL_ERROR "vikno_embed_migrations: no folder ${dir}")
  endif()
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${dialect}_migrations.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIALECT=${dialect} -DSOURCE_DIR=${dir} -DOUTPUT=${out}
            -P ${generator}
    DEPENDS ${sql_files} ${generator}
    COMMENT "Embedding ${dialect} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
