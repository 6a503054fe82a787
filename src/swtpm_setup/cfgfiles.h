/*
 * --create-config-files (provisioning.md §1.5): swtpm_setup.conf,
 * swtpm-localca.conf and swtpm-localca.options in the user's
 * configuration directory, for a local CA under it.
 */
#ifndef SETUP_CFGFILES_H
#define SETUP_CFGFILES_H

/*
 * arg: "overwrite", "root", "skip-if-exist", separated by ',' or ' '.
 * Returns the exit status (0 or 1); messages as the reference's.
 */
int	 su_create_config_files(const char *arg);

#endif
