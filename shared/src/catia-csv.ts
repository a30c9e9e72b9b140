/**
 * The contract between normalize (writer) and transform (reader): the columns of the per-user
 * CSV, in order.
 */
export const USER_CSV_COLUMNS = [
  'usuario_id',
  'nombre',
  'email',
  'gerencia',
  'ciudad',
  'fecha_primera_conversacion',
  'fecha_ultima_conversacion',
  'numero_conversaciones',
  'numero_mensajes',
  'lista_preguntas',
  'feedback_likes',
  'feedback_dislikes',
  'feedback_ultima_respuesta',
  'comentarios_feedback',
  'conversacion_completa',
] as const;
