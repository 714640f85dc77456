/* SPDX-License-Identifier: MIT */
/* nftables rulesets through libnftables, one context per namespace. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <nftables/libnftables.h>

#include "apply/apply-internal.h"
#include "model/util.h"

void apply_nft_free(struct nft_ctx *nft)
{
	if (nft)
		nft_ctx_free(nft);
}

/* libnftables reports kernel failures as text ("Could not process rule: No
 * such file or directory"); find the errno whose strerror it quotes. A message
 * without one is a rejection by nft's own parser or evaluator. */
static int nft_errno(const char *msg)
{
	size_t best_len = 0;
	int best = EINVAL;

	for (int e = 1; e < 134; e++) {
		const char *d = strerrordesc_np(e);
		size_t len = d ? strlen(d) : 0;
		if (len > best_len && strstr(msg, d)) {
			best = e;
			best_len = len;
		}
	}
	return -best;
}

int apply_nft_open(struct nft_ctx **ret)
{
	/* libnftables 1.0.6 exit()s the whole process when it cannot open its
	 * netlink socket: try one first, and close it again so that its fd is
	 * free for libnftables when the fd limit is close. */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	close(fd);
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return -ENOMEM;
	if (nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0) {
		nft_ctx_free(nft);
		return -ENOMEM;
	}
	*ret = nft;
	return 0;
}

int apply_kernel_nft(struct nsim_apply *ctx, const struct nsim_op *op)
{
	struct nsim_ns *ns;
	int r;

	if (!op->text)
		return -EINVAL;
	if ((r = apply_ns_get(ctx, op->ns, &ns)) < 0)
		return r;
	/* The context's netlink socket belongs to the namespace it was created
	 * in, and interface names (iif/oif) are resolved in the calling
	 * thread's: create it and run every command inside. */
	if ((r = apply_netns_enter(ctx, ns)) < 0)
		return r;
	if (!ns->nft) {
		struct nsim_ns **slot = &ctx->nft_ring[ctx->nft_next];
		if (*slot) {
			apply_nft_free((*slot)->nft);
			(*slot)->nft = NULL;
		}
		r = apply_nft_open(&ns->nft);
		if (r == 0) {
			*slot = ns;
			ctx->nft_next = (ctx->nft_next + 1) % APPLY_NFT_CACHED;
		} else
			*slot = NULL;
	}
	if (r == 0 && nft_run_cmd_from_buffer(ns->nft, op->text) != 0) {
		const char *msg = nft_ctx_get_error_buffer(ns->nft);
		msg = msg ? msg : "";
		r = nft_errno(msg);
		nsim_apply_set_detail(ctx, "%s", msg);
	}
	apply_netns_leave(ctx);
	return r;
}
